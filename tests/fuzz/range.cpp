// Range and If-Range from clients against a stored response (RFC 9110 14): the plan is one
// satisfiable range inside the representation, several, none (416) or the whole body. Input:
// the Range line, the If-Range line, the stored length, its ETag, then its Last-Modified.
#include "shared/cache/range.h"

#include <cstdint>
#include <string>

#include "shared/cache/http_date.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fleet::cache::RangePlan;
  fleet::fuzz::Input in(data, size);
  std::string range(in.line()), ifRange(in.line());
  int64_t n = in.numberLine();
  std::string etag(in.line());
  std::optional<int64_t> lastModified = fleet::cache::parseHttpDate(in.line(), 1796000000);
  for (uint64_t length : {static_cast<uint64_t>(n), uint64_t{0}, uint64_t{1}, UINT64_MAX}) {
    RangePlan p = fleet::cache::planRange(range, ifRange, length, etag, lastModified, 1796000000);
    if (p.kind == RangePlan::Kind::kSingle) {
      FUZZ_CHECK(p.range.first <= p.range.last && p.range.last < length);
      FUZZ_CHECK(p.range.length() >= 1 && p.range.length() <= length);
      std::string cr = fleet::cache::contentRange(p.range, length);
      FUZZ_CHECK(cr.rfind("bytes ", 0) == 0);
    }
    if (p.kind == RangePlan::Kind::kSeveral) {
      FUZZ_CHECK(length > 0);
    }
  }
  return 0;
}
