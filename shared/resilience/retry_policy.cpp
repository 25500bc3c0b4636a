#include "shared/resilience/retry_policy.h"

#include "shared/common/parse.h"

namespace fleet::resilience {

common::Result<RetryPolicy> parseRetry(const std::vector<std::string>& words) {
  RetryPolicy p;
  auto bad = [](const std::string& w, const char* accepted) {
    return common::Status(common::Code::kInvalidArgument,
                          "'" + w + "' is not valid; accepted: " + accepted);
  };
  if (words.empty()) {
    return common::Status(
        common::Code::kInvalidArgument,
        "the number of retries is missing; accepted: 0 to 10, then statuses 500-599");
  }
  common::Result<int64_t> n = common::parseInteger(words[0], 0, 10);
  if (!n.isOk()) {
    return bad(words[0], "a number of retries from 0 (off) to 10");
  }
  p.retries = static_cast<uint32_t>(n.value());
  for (size_t i = 1; i < words.size(); ++i) {
    if (common::toLower(words[i]) == "put-delete") {
      p.unsafeIdempotent = true;
      continue;
    }
    common::Result<int64_t> s = common::parseInteger(words[i], 500, 599);
    if (!s.isOk()) {
      return bad(words[i], "a status from 500 to 599, or put-delete");
    }
    p.statuses.set(static_cast<size_t>(s.value()));
  }
  return p;
}

bool replayable(std::string_view method, bool hasBody, const RetryPolicy& p) {
  if (!p.enabled() || hasBody) {
    return false;
  }
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") {
    return true;
  }
  return p.unsafeIdempotent && (method == "PUT" || method == "DELETE");
}

bool mayRetry(Failure f, uint32_t tried, const RetryPolicy& p) {
  return f != Failure::kNone && tried <= p.retries;
}

}  // namespace fleet::resilience
