#include "shared/common/parse.h"

#include <cctype>
#include <limits>
#include <string>

namespace fleet::common {
namespace {

// Reads leading decimal digits into value; returns how many were read, or -1 on overflow.
int readDigits(std::string_view text, uint64_t* value) {
  uint64_t v = 0;
  int n = 0;
  while (n < static_cast<int>(text.size()) && std::isdigit(static_cast<unsigned char>(text[n]))) {
    uint64_t d = static_cast<uint64_t>(text[n] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) {
      return -1;
    }
    v = v * 10 + d;
    ++n;
  }
  *value = v;
  return n;
}

Status invalid(std::string_view text, const char* accepted) {
  return Status(Code::kInvalidArgument,
                "'" + std::string(text) + "' is not valid; accepted: " + accepted);
}

}  // namespace

Result<int64_t> parseDurationMicros(std::string_view text) {
  static const char* kAccepted =
      "a whole number followed by us, ms, s, m or h (e.g. 250ms, 5s); a bare number means seconds";
  uint64_t value = 0;
  int n = readDigits(text, &value);
  if (n <= 0) {
    return invalid(text, kAccepted);
  }
  std::string unit = toLower(text.substr(static_cast<size_t>(n)));
  uint64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000000;
  } else if (unit == "ms") {
    scale = 1000;
  } else if (unit == "us") {
    scale = 1;
  } else if (unit == "m" || unit == "min") {
    scale = 60ULL * 1000000;
  } else if (unit == "h") {
    scale = 3600ULL * 1000000;
  } else {
    return invalid(text, kAccepted);
  }
  const uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (value > kMax / scale) {
    return invalid(text, kAccepted);
  }
  return static_cast<int64_t>(value * scale);
}

Result<uint64_t> parseSizeBytes(std::string_view text) {
  static const char* kAccepted =
      "a whole number of bytes, optionally followed by k, M or G (e.g. 64k, 1M)";
  uint64_t value = 0;
  int n = readDigits(text, &value);
  if (n <= 0) {
    return invalid(text, kAccepted);
  }
  std::string unit = toLower(text.substr(static_cast<size_t>(n)));
  if (unit.size() == 2 && unit[1] == 'b') {
    unit.pop_back();
  }
  uint64_t scale = 0;
  if (unit.empty() || unit == "b") {
    scale = 1;
  } else if (unit == "k") {
    scale = 1ULL << 10;
  } else if (unit == "m") {
    scale = 1ULL << 20;
  } else if (unit == "g") {
    scale = 1ULL << 30;
  } else {
    return invalid(text, kAccepted);
  }
  if (value > std::numeric_limits<uint64_t>::max() / scale) {
    return invalid(text, kAccepted);
  }
  return value * scale;
}

Result<int64_t> parseInteger(std::string_view text, int64_t min, int64_t max) {
  std::string accepted =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  bool negative = !text.empty() && text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  uint64_t value = 0;
  int n = readDigits(digits, &value);
  if (n <= 0 || static_cast<size_t>(n) != digits.size() ||
      value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return invalid(text, accepted.c_str());
  }
  int64_t v = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  if (v < min || v > max) {
    return invalid(text, accepted.c_str());
  }
  return v;
}

Result<bool> parseSwitch(std::string_view text) {
  std::string v = toLower(text);
  if (v == "on" || v == "true" || v == "yes" || v == "1") {
    return true;
  }
  if (v == "off" || v == "false" || v == "no" || v == "0") {
    return false;
  }
  return invalid(text, "on or off");
}

std::string toLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string formatDurationMicros(int64_t micros) {
  struct Unit {
    int64_t scale;
    const char* suffix;
  };
  static const Unit kUnits[] = {
      {3600LL * 1000000, "h"}, {60LL * 1000000, "m"}, {1000000, "s"}, {1000, "ms"}, {1, "us"}};
  for (const Unit& u : kUnits) {
    if (micros != 0 && micros % u.scale == 0) {
      return std::to_string(micros / u.scale) + u.suffix;
    }
  }
  return "0s";
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace fleet::common
