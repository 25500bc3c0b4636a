#include "shared/cache/range.h"

#include "shared/cache/http_date.h"
#include "shared/common/headers.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

std::optional<uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// One range-spec against `length`; nullopt when it does not parse, an empty range when it is
// unsatisfiable (first > last).
std::optional<ByteRange> spec(std::string_view s, uint64_t length, bool* satisfiable) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view a = s.substr(0, dash), b = s.substr(dash + 1);
  ByteRange r;
  if (a.empty()) {  // suffix: the last n bytes
    std::optional<uint64_t> n = number(b);
    if (!n) {
      return std::nullopt;
    }
    *satisfiable = *n > 0 && length > 0;
    if (*satisfiable) {
      r = {length - std::min(*n, length), length - 1};
    }
    return r;
  }
  std::optional<uint64_t> first = number(a);
  if (!first) {
    return std::nullopt;
  }
  uint64_t last = length == 0 ? 0 : length - 1;
  if (!b.empty()) {
    std::optional<uint64_t> l = number(b);
    if (!l || *l < *first) {
      return std::nullopt;
    }
    last = std::min(*l, last);
  }
  *satisfiable = *first < length;
  r = {*first, last};
  return r;
}

bool ifRangeMatches(std::string_view ifRange, std::string_view etag,
                    std::optional<int64_t> lastModified, int64_t now) {
  ifRange = common::trimSpaces(ifRange);
  if (ifRange.empty()) {
    return true;
  }
  if (ifRange.front() == '"' || ifRange.substr(0, 2) == "W/") {
    // Strong comparison: a weak tag on either side never matches.
    return ifRange.front() == '"' && !etag.empty() && etag.front() == '"' &&
           ifRange == common::trimSpaces(etag);
  }
  std::optional<int64_t> date = parseHttpDate(ifRange, now);
  return date && lastModified && *date == *lastModified;
}

}  // namespace

RangePlan planRange(std::string_view range, std::string_view ifRange, uint64_t length,
                    std::string_view etag, std::optional<int64_t> lastModified, int64_t now) {
  RangePlan plan;
  range = common::trimSpaces(range);
  if (range.size() < 6 || common::toLower(range.substr(0, 6)) != "bytes=") {
    return plan;
  }
  if (!ifRangeMatches(ifRange, etag, lastModified, now)) {
    return plan;
  }
  size_t satisfiable = 0;
  std::vector<std::string> items = common::splitList(range.substr(6));
  if (items.empty()) {
    return plan;
  }
  for (const std::string& item : items) {
    bool ok = false;
    std::optional<ByteRange> r = spec(common::trimSpaces(item), length, &ok);
    if (!r) {
      return RangePlan();  // one bad spec: the whole header is ignored
    }
    if (!ok) {
      continue;
    }
    if (++satisfiable == 1) {
      plan.range = *r;
    }
  }
  if (satisfiable == 0) {
    plan.kind = RangePlan::Kind::kUnsatisfiable;
  } else {
    plan.kind = satisfiable == 1 ? RangePlan::Kind::kSingle : RangePlan::Kind::kSeveral;
  }
  return plan;
}

std::string contentRange(const ByteRange& r, uint64_t length) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" +
         std::to_string(length);
}

}  // namespace fleet::cache
