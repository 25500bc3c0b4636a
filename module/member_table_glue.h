// The member table's lifecycle in httpd: shared memory created at post_config (sized for every
// balancer's growth slots), the per-process slot cache, and learned state kept across restarts.
#pragma once

#include <functional>

#include "module/httpd_includes.h"
#include "shared/cache/store.h"
#include "shared/dns/discovery.h"
#include "shared/lb/member_table.h"
#include "shared/resilience/balancer_state.h"

namespace fleet::glue {

// From post_config (second pass): sizes and creates the shared member table, restores learned
// state, and claims every configured member.
apr_status_t createMemberTable(apr_pool_t* pconf, server_rec* s);
// The table of this server generation, or nullptr before post_config.
lb::MemberTable* memberTable();
// The health checker's lease and counters, in the same shared memory; nullptr before post_config.
health::CheckerControl* checkerControl();
// The cache's counters and memcached server states, in the same shared memory.
cache::CacheShared* cacheShared();
// Discovery's lease and ask-again counter, in the same shared memory.
dns::DiscoveryShared* discoveryShared();
// A balancer's retry budget and queue, shared by every child; nullptr before post_config.
resilience::BalancerState* balancerState(proxy_balancer* b);
// The slot of a balancer member, claimed on first use; nullptr if the table is full.
lb::MemberSlot* slotFor(proxy_balancer* balancer, proxy_worker* worker);
// The same from names as httpd puts them in BALANCER_NAME / BALANCER_WORKER_NAME.
lb::MemberSlot* slotForName(const char* balancer, const char* member);
// mod_fleet's BalancerMember parameters (slowstart=, maxconn=, trytimeout=; shared/lb's
// member_options), recorded while the configuration is read and put into the member's slot at
// post_config: nullptr when applied, an error message, or kNotMemberParam for another key.
// Compared by address, so one array defined in one file: a string literal per file is not one
// object (ASan gives each its own, so a pointer to it differed between the two glue files).
extern const char kNotMemberParam[];
const char* setMemberParam(proxy_worker* worker, const char* key, const char* value,
                           apr_pool_t* pconf);
// Whether any member has its own slow start (the finder then watches members come back).
bool anyMemberSlowStart();
// Whether any member has maxconn= (requests are then reserved against member limits).
bool anyMemberMaxConn();
// Every balancer of every virtual host that has its shared state.
void forEachBalancer(server_rec* s, const std::function<void(proxy_balancer*)>& fn);

}  // namespace fleet::glue
