// Text from outside (a member's health-check answer, a route name) shown on the status page must
// be valid UTF-8, or strict JSON and Prometheus clients reject the whole document.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fleet::common {

// `text` with every byte that does not start or continue a valid UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF included) replaced by U+FFFD.
std::string validUtf8(std::string_view text);

// The longest prefix of valid UTF-8 `text` of at most `maxBytes` bytes that ends on a code point.
std::string_view utf8Prefix(std::string_view text, size_t maxBytes);

}  // namespace fleet::common
