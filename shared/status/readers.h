// The status views read from the shared memory every child writes: a member's slot (balancing,
// ejection, slow start, health-check record), the health checker's lease and counters, and the
// cache's counters. Reads only relaxed atomics: any thread of any process may call these while
// requests update the records.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/cache/store.h"
#include "shared/health/record.h"
#include "shared/lb/member_health.h"
#include "shared/lb/member_table.h"
#include "shared/resilience/balancer_state.h"
#include "shared/status/model.h"

namespace fleet::status {

// Fills what the slot knows into `mv` (whose `usable` the caller has set from httpd's flags).
// `balancer` are the member's balancer's settings; `now` is the steady clock of the slots.
void readMemberSlot(const lb::MemberSlot& slot, const lb::HealthConfig& balancer, int64_t now,
                    MemberView* mv);
// Whether DNS brought the member in, and how long ago (wallNow in unix micros).
void readDiscovery(const lb::MemberSlot& slot, int64_t wallNow, MemberView* mv);

// A balancer's retry budget and queue counters.
ResilienceView readBalancerState(const resilience::BalancerState& b);

// The last checks of a checked member, from its slot's health record; `wallNow` in unix micros.
void readHealthRecord(const lb::MemberSlot& slot, int64_t wallNow, HealthView* h);

// Who holds the checker lease and since when; `now` steady, `wallNow` unix micros.
CheckerView readChecker(const health::CheckerControl& c, int64_t now, int64_t wallNow);

// The cache's counters and its servers' state; `serverNames` in the order of cs.servers.
CacheView readCache(const cache::CacheShared& cs, const std::vector<std::string>& serverNames);

// "balancer://web" as balancer-manager and server-status name it: "web".
std::string_view shortBalancerName(std::string_view name);

}  // namespace fleet::status
