// The helpers every header decision goes through (common/headers.*: list fields combined over
// their lines, split, names folded as gateways fold them) and the UTF-8 cleaning of member text
// shown on the status page (common/utf8.*). Input: header lines.
#include "shared/common/headers.h"

#include <cstdint>
#include <string>

#include "shared/common/parse.h"
#include "shared/common/utf8.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

// A strict UTF-8 check written apart from utf8.cpp's, to compare with.
bool strictUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0;
    size_t n = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) {
      return false;
    }
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (d & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::common;
  std::string_view whole(reinterpret_cast<const char*>(data), size);

  std::string clean = validUtf8(whole);
  FUZZ_CHECK(strictUtf8(clean));
  FUZZ_CHECK(strictUtf8(whole) == (clean == whole));
  FUZZ_CHECK(validUtf8(clean) == clean);
  for (size_t max : {size_t{0}, size_t{1}, size_t{3}, size / 2, size}) {
    std::string_view prefix = utf8Prefix(clean, max);
    FUZZ_CHECK(prefix.size() <= max && strictUtf8(prefix));
    FUZZ_CHECK(clean.compare(0, prefix.size(), prefix) == 0);
  }

  fleet::fuzz::Input in(data, size);
  HeaderList h = fleet::fuzz::headerList(in.block());
  for (const auto& [name, value] : h) {
    std::string combined = combinedField(h, name);
    std::string first = firstField(h, name);
    FUZZ_CHECK(trimSpaces(first).empty() || combined.find(trimSpaces(first)) != std::string::npos);
    for (const std::string& item : splitList(combined)) {
      FUZZ_CHECK(!item.empty() && item.find(',') == std::string::npos);
      FUZZ_CHECK(trimSpaces(item) == item);
    }
    std::string folded = foldedFieldName(name);
    FUZZ_CHECK(folded.size() == name.size());
    FUZZ_CHECK(folded.find_first_of("_.ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
    FUZZ_CHECK(sameFieldName(name, toLower(name)));
  }
  return 0;
}
