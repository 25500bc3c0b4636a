// HTTPS policy: the Strict-Transport-Security value from FleetHSTS's arguments, and the
// redirect of plain-HTTP requests (FleetRedirectHTTPS): status code, target URL, exemptions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/common/status.h"

namespace fleet::offload {

// FleetHSTS max-age=<seconds> [includeSubDomains] [preload] -> the header value. preload needs
// includeSubDomains and a max-age of at least a year (the preload list's rules).
common::Result<std::string> parseHsts(const std::vector<std::string>& args);

// 301, 302, 303, 307 or 308.
common::Result<int> parseRedirectCode(std::string_view text);

// https://<host>[:port]<path-and-query>: host from the request's Host (its port dropped) when it
// is a valid host name or IP literal, else `fallbackHost` (ServerName); port omitted when 443.
std::string httpsLocation(std::string_view hostHeader, std::string_view fallbackHost, int port,
                          std::string_view unparsedUri);

// True when `path` starts with one of `prefixes` (ACME challenges, health endpoints...).
bool exempt(const std::vector<std::string>& prefixes, std::string_view path);

}  // namespace fleet::offload
