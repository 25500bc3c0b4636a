// The resilience directives' values, parsed: FleetRetryBudget, FleetQueue and FleetLatencyOutlier
// (FleetRetry's is in retry_policy.h). Each error names the bad word and what is accepted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/common/status.h"
#include "shared/lb/candidates.h"
#include "shared/resilience/balancer_state.h"

namespace fleet::resilience {

// FleetQueue <length> <timeout> | off: a request that finds every member at its maxconn= limit
// waits up to `timeoutMicros` in a queue of at most `length` requests per balancer.
struct QueueConfig {
  uint32_t length = 0;  // 0 = no queue: 503 at once
  int64_t timeoutMicros = 0;
};

// "20" or "20 5": percent of the requests in flight, then retries in flight always allowed.
common::Result<BudgetConfig> parseBudget(const std::vector<std::string>& words);
// "100 5s" or "off".
common::Result<QueueConfig> parseQueue(const std::vector<std::string>& words);
// "3" or "2.5 0.1" (factor, then the probe share in percent) or "off".
common::Result<lb::LatencyOutlier> parseLatencyOutlier(const std::vector<std::string>& words);

// "2.5" -> 2500000 for decimals = 6; false on anything else (signs, exponents, >decimals places).
bool parseFixedPoint(const std::string& text, int decimals, int64_t* out);

}  // namespace fleet::resilience
