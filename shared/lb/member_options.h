// The BalancerMember parameters mod_fleet owns (mod_proxy hands every key it does not know to
// mod_fleet): slowstart=, maxconn= and trytimeout=. Parsed here, recorded while the configuration
// is read, and put into the member's shared slot (slow start, the connection limit) or httpd's
// worker (the per-try timeout) at startup.
#pragma once

#include <cstdint>
#include <string_view>

#include "shared/common/status.h"

namespace fleet::lb {

struct MemberOptions {
  int64_t slowStartMicros = 0;   // slowstart=: 0 = the balancer's FleetSlowStart, -1 = none
  int64_t maxConn = 0;           // maxconn=: requests in flight at once, all children; 0 = no limit
  int64_t tryTimeoutMicros = 0;  // trytimeout=: how long one attempt may wait; 0 = httpd's timeout
};

// The largest maxconn= accepted (the queue and the shared counters have no other limit).
constexpr int64_t kMaxConnLimit = 1000000;

// Applies key=value to `o`: ok(true) when the key is one of mod_fleet's, ok(false) when it is not
// (another module's), an error naming the parameter, the value and what is accepted otherwise.
common::Result<bool> applyMemberParam(MemberOptions* o, std::string_view key,
                                      std::string_view value);

}  // namespace fleet::lb
