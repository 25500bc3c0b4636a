// The status page's actions as decisions the glue carries out: whether a POST may act at all
// (same origin, the server's nonce), what a form asks for (a balancer-manager edit, an ejection
// reset or a purge), and the one-line description of a balancer's settings shown on the page.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "shared/common/status.h"
#include "shared/lb/member_health.h"

namespace fleet::status {

// A browser's POST comes from the page's own origin ("http://host:port"): its Origin header says
// so, or (without Origin) its Referer starts with that origin and "/". Neither: refused.
bool sameOrigin(std::string_view ownOrigin, std::optional<std::string_view> origin,
                std::optional<std::string_view> referer);

// The form's nonce against the server's, in time independent of where they differ; an empty
// server nonce (not generated) never matches.
bool nonceMatches(std::string_view expected, std::string_view given);

struct Action {
  enum class Kind { kManage, kResetEjection, kPurge } kind = Kind::kManage;
  std::string balancer, member;
  std::string managerKey, managerValue;  // kManage: the balancer-manager parameter to set
  std::string value;                     // kPurge: "/path?query" or "tag:name"
  std::string done;                      // what to tell the operator when it worked
};

// What the form (action, b, w, value) asks for. kNotFound: no such action (a bad request);
// kInvalidArgument: a bad value or a missing member (told to the operator).
common::Result<Action> planAction(const std::map<std::string, std::string>& form);

// "slow start 30s, eject after 5 failures for 30s..5m, at most 10%, panic below 50%"
std::string describeSettings(const lb::HealthConfig& h);

}  // namespace fleet::status
