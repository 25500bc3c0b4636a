// Byte ranges of a stored response (RFC 9110 14): which part of a representation of `length`
// bytes a Range request asks for, after If-Range, so a hit is answered 206 from only the chunks
// that hold it. Several ranges are left to httpd's byterange filter over the whole body.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleet::cache {

struct ByteRange {
  uint64_t first = 0, last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

struct RangePlan {
  enum class Kind {
    kWhole,          // no (usable) Range, or If-Range does not match: 200 with the whole body
    kSingle,         // 206 with `range`
    kSeveral,        // several satisfiable ranges: the whole body, for httpd to cut into parts
    kUnsatisfiable,  // 416 with Content-Range: bytes */length
  } kind = Kind::kWhole;
  ByteRange range;
};

// `ifRange` is an entity tag (strong comparison only) or an HTTP date (an exact match with the
// stored Last-Modified); `now` reads two-digit years. A Range that does not parse, or names
// another unit, is ignored (RFC 9110 14.2).
RangePlan planRange(std::string_view range, std::string_view ifRange, uint64_t length,
                    std::string_view etag, std::optional<int64_t> lastModified, int64_t now);

// "bytes 0-99/1000"
std::string contentRange(const ByteRange& r, uint64_t length);

}  // namespace fleet::cache
