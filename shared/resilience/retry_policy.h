// When a failed attempt at a member may be sent to another member (FleetRetry): only requests
// that can be sent again unchanged (idempotent methods, PUT and DELETE only when configured, no
// request body to replay), only failures the member caused before anything went to the client
// (a refused or failed connection, a per-try timeout, a configured status), and only while
// attempts are left. Pure functions; any thread.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/status.h"

namespace fleet::resilience {

struct RetryPolicy {
  uint32_t retries = 0;           // FleetRetry <attempts>: further members to try (0 = off)
  std::bitset<600> statuses;      // FleetRetry ... <status>: member answers worth another member
  bool unsafeIdempotent = false;  // FleetRetry ... put-delete: PUT and DELETE too
  bool enabled() const { return retries > 0; }
};

// "FleetRetry 2 502 503 504 [put-delete]": an error names the bad word and what is accepted.
common::Result<RetryPolicy> parseRetry(const std::vector<std::string>& words);

enum class Failure {
  kNone,
  kConnect,  // the member refused or could not be reached
  kTimeout,  // no answer within the per-try timeout (trytimeout=)
  kStatus,   // the member answered with one of the policy's statuses
};

// Whether the request may be sent again at all (method and body), before anything is tried.
bool replayable(std::string_view method, bool hasBody, const RetryPolicy& p);

// Whether this failure of attempt number `tried` (1 = the first) may go to another member.
bool mayRetry(Failure f, uint32_t tried, const RetryPolicy& p);

}  // namespace fleet::resilience
