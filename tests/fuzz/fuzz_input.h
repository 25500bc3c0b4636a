// What every fuzz target shares: a cursor that cuts the fuzzer's bytes into the pieces a parser
// takes (lines, header lists, numbers), and FUZZ_CHECK, which aborts on a broken invariant so
// libFuzzer and the standalone driver both record it as a crash. Seed files stay readable text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/headers.h"

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace fleet::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }
  size_t size() const { return rest_.size(); }

  // Up to the next '\n' (not included; a '\r' before it is kept), or everything left.
  std::string_view line() {
    size_t eol = rest_.find('\n');
    std::string_view l = rest_.substr(0, eol);
    rest_ = eol == std::string_view::npos ? std::string_view() : rest_.substr(eol + 1);
    return l;
  }

  // Lines up to an empty line (consumed) or the end: a header block.
  std::vector<std::string_view> block() {
    std::vector<std::string_view> lines;
    while (!empty()) {
      std::string_view l = line();
      if (l.empty()) {
        break;
      }
      lines.push_back(l);
    }
    return lines;
  }

  // The first byte (0 when none left).
  uint8_t byte() {
    if (rest_.empty()) {
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }

  // A decimal number line ("123", "-5"), read leniently: digits until the first other byte,
  // saturating; an optional leading '-'. 0 when the line has none.
  int64_t numberLine() {
    std::string_view l = line();
    bool negative = !l.empty() && l[0] == '-';
    if (negative) {
      l.remove_prefix(1);
    }
    uint64_t v = 0;
    for (char c : l) {
      if (c < '0' || c > '9') {
        break;
      }
      v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > static_cast<uint64_t>(INT64_MAX)) {
      return negative ? INT64_MIN : INT64_MAX;
    }
    return negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  }

  // Everything left.
  std::string_view rest() {
    std::string_view r = rest_;
    rest_ = std::string_view();
    return r;
  }

 private:
  std::string_view rest_;
};

// "Name: value" lines as a header list (a line without ':' is a name with an empty value; one
// space after the colon is dropped, anything else is kept as the value's own whitespace).
inline common::HeaderList headerList(const std::vector<std::string_view>& lines) {
  common::HeaderList h;
  for (std::string_view l : lines) {
    size_t colon = l.find(':');
    std::string_view name = l.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : l.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') {
      value.remove_prefix(1);
    }
    h.emplace_back(std::string(name), std::string(value));
  }
  return h;
}

inline bool hasControl(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace fleet::fuzz
