#include "shared/lb/member_options.h"

#include <string>

#include "shared/common/parse.h"

namespace fleet::lb {
namespace {

common::Status invalid(std::string_view key, std::string_view value, const char* accepted) {
  return common::Status(
      common::Code::kInvalidArgument,
      std::string(key) + "='" + std::string(value) + "' is not valid; accepted: " + accepted);
}

}  // namespace

common::Result<bool> applyMemberParam(MemberOptions* o, std::string_view key,
                                      std::string_view value) {
  std::string k = common::toLower(key);
  if (k == "slowstart") {
    common::Result<int64_t> d = common::parseDurationMicros(value);
    if (!d.isOk()) {
      return invalid(k, value, "a duration such as 30s, or 0 (no slow start for this member)");
    }
    o->slowStartMicros = d.value() > 0 ? d.value() : -1;
    return true;
  }
  if (k == "maxconn") {
    common::Result<int64_t> n = common::parseInteger(value, 0, kMaxConnLimit);
    if (!n.isOk()) {
      return invalid(k, value, "a whole number from 1 to 1000000, or 0 (no limit)");
    }
    o->maxConn = n.value();
    return true;
  }
  if (k == "trytimeout") {
    common::Result<int64_t> d = common::parseDurationMicros(value);
    if (!d.isOk() || d.value() < 1000) {
      return invalid(k, value, "a duration of 1ms or more, such as 500ms or 2s");
    }
    o->tryTimeoutMicros = d.value();
    return true;
  }
  return false;
}

}  // namespace fleet::lb
