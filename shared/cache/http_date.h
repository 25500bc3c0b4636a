// HTTP dates exactly as RFC 9110 5.6.7 writes them: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// and the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37
// 1994") forms, names in their exact case, single spaces where the grammar has them, GMT only.
// Anything else is invalid: an invalid Expires means "already expired" (RFC 9111 5.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleet::cache {

// Seconds since the epoch; nullopt when `text` is not one of the three forms. `now` (seconds)
// resolves RFC 850's two-digit years: one more than 50 years ahead is in the past century.
std::optional<int64_t> parseHttpDate(std::string_view text, int64_t now);
std::string formatHttpDate(int64_t unixSeconds);

}  // namespace fleet::cache
