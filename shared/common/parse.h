// Strict parsers for configuration values. Each rejects empty input, signs, overflow and trailing
// garbage, and its error message says which forms are accepted (directives quote it verbatim).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/common/status.h"

namespace fleet::common {

// "250ms", "5s", "2m", "1h", "100us"; a bare number is seconds (as Apache's own timeouts).
Result<int64_t> parseDurationMicros(std::string_view text);

// "512", "64k", "1M", "2G" (binary multiples, case-insensitive, optional trailing "B").
Result<uint64_t> parseSizeBytes(std::string_view text);

// A decimal integer within [min, max].
Result<int64_t> parseInteger(std::string_view text, int64_t min, int64_t max);

// "on"/"off" (also "true"/"false", "yes"/"no", "1"/"0"), case-insensitive.
Result<bool> parseSwitch(std::string_view text);

// Microseconds as the shortest exact text: 250000 -> "250ms", 5000000 -> "5s".
std::string formatDurationMicros(int64_t micros);

// ASCII lower case (config keys, header names).
std::string toLower(std::string_view text);

// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trimSpaces(std::string_view text);

}  // namespace fleet::common
