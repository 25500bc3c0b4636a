// Who may see the status page and act on it. The page answers only under the names its virtual
// host is known by, so a DNS-rebound attacker domain in an operator's browser gets nothing; an
// action's token is bound to the browser that loaded the page (an HMAC of a per-generation secret
// and a cookie the page sets, sent back in the form: a double submit), not shared by every client.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleet::status {

// The Host header (with or without port; IPv6 in brackets) names the virtual host: one of
// `names` (ServerName and ServerAlias, with ServerAlias's * and ? wildcards), the address the
// connection came in on, or "localhost" on a loopback connection. No Host: allowed (HTTP/1.0).
bool hostAllowed(std::string_view hostHeader, const std::vector<std::string>& names,
                 std::string_view localIp);

// Lower-case hex HMAC-SHA256 of scope "\n" cookie under secret; "" when secret or cookie is empty.
std::string actionToken(std::string_view secret, std::string_view scope, std::string_view cookie);
// The form's token against the cookie's, in time independent of where they differ.
bool actionTokenMatches(std::string_view secret, std::string_view scope, std::string_view cookie,
                        std::string_view given);

// The cookie the page sets, and its value in a request's Cookie header ("" when absent or not
// 32 lower-case hex digits).
constexpr const char* kTokenCookie = "fleet_csrf";
std::string tokenCookie(std::string_view cookieHeader);

// Where the browser goes after an action: the page's path percent-encoded (RFC 3986 unreserved
// characters and '/' only), then ?notice=<the notice, percent-encoded>.
std::string actionRedirect(std::string_view path, std::string_view notice);

// A query string's value for `key` ("format" in "format=json&x=1"), with '+' and %XX decoded;
// the last one when repeated, "" when absent.
std::string queryValue(std::string_view query, std::string_view key);

}  // namespace fleet::status
