#include "shared/status/actions.h"

#include "shared/common/parse.h"

namespace fleet::status {

bool sameOrigin(std::string_view own, std::optional<std::string_view> origin,
                std::optional<std::string_view> referer) {
  if (origin) {
    return *origin == own;
  }
  return referer && referer->size() > own.size() && referer->substr(0, own.size()) == own &&
         (*referer)[own.size()] == '/';
}

bool nonceMatches(std::string_view expected, std::string_view given) {
  if (expected.empty() || expected.size() != given.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ given[i]);
  }
  return diff == 0;
}

common::Result<Action> planAction(const std::map<std::string, std::string>& form) {
  auto get = [&](const char* k) {
    auto it = form.find(k);
    return it == form.end() ? std::string() : it->second;
  };
  Action a;
  a.balancer = get("b");
  a.member = get("w");
  std::string action = get("action");
  auto manage = [&](const char* key, const char* value, const std::string& done) {
    a.kind = Action::Kind::kManage;
    a.managerKey = key;
    a.managerValue = value;
    a.done = done;
  };
  if (action == "drain") {
    manage("w_status_N", "1", "drained " + a.member);
  } else if (action == "undrain") {
    manage("w_status_N", "0", "undrained " + a.member);
  } else if (action == "disable") {
    manage("w_status_D", "1", "disabled " + a.member);
  } else if (action == "enable") {
    manage("w_status_D", "0", "enabled " + a.member);
  } else if (action == "weight") {
    common::Result<int64_t> v = common::parseInteger(get("value"), 1, 100);
    if (!v.isOk()) {
      return common::Status(common::Code::kInvalidArgument,
                            "weight '" + get("value") + "' is not a whole number from 1 to 100");
    }
    manage("w_lf", "", "weight of " + a.member + " set to " + std::to_string(v.value()));
    a.managerValue = std::to_string(v.value());
  } else if (action == "reset") {
    a.kind = Action::Kind::kResetEjection;
    a.done = "ejection of " + a.member + " reset";
  } else if (action == "purge") {
    a.kind = Action::Kind::kPurge;
    a.value = get("value");
  } else {
    return common::Status(common::Code::kNotFound, "unknown action '" + action + "'");
  }
  if (a.kind != Action::Kind::kPurge && (a.balancer.empty() || a.member.empty())) {
    return common::Status(common::Code::kInvalidArgument, "a balancer and a member are needed");
  }
  return a;
}

std::string describeSettings(const lb::HealthConfig& h) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  if (h.slowStartMicros > 0) {
    add("slow start " + common::formatDurationMicros(h.slowStartMicros));
  }
  if (h.consecutiveFailures > 0) {
    add("eject after " + std::to_string(h.consecutiveFailures) + " failures for " +
        common::formatDurationMicros(h.baseEjectionMicros) + ".." +
        common::formatDurationMicros(h.maxEjectionMicros) + ", at most " +
        std::to_string(h.maxEjectedPercent) + "%");
  }
  add("panic below " + std::to_string(h.panicPercent) + "%");
  return out;
}

}  // namespace fleet::status
