// HTTP dates from members and clients (Date, Expires, Last-Modified, If-Modified-Since, If-Range):
// the three forms of RFC 9110 5.6.7, anything else invalid. A date that parses is formatted back
// as the IMF-fixdate of the same second, and that parses to the same second again.
#include "shared/cache/http_date.h"

#include <cstdint>
#include <string_view>

#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Two-digit years are read against several "now"s, the epoch and far ends included.
  for (int64_t now : {int64_t{1796000000}, int64_t{0}, int64_t{-1}, int64_t{253402300799},
                      int64_t{INT64_MAX}, int64_t{INT64_MIN}}) {
    std::optional<int64_t> t = fleet::cache::parseHttpDate(text, now);
    if (!t) {
      continue;
    }
    std::string formatted = fleet::cache::formatHttpDate(*t);
    std::optional<int64_t> back = fleet::cache::parseHttpDate(formatted, now);
    FUZZ_CHECK(back && *back == *t);
  }
  return 0;
}
