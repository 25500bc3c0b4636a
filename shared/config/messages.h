// Wording of configuration errors, shared by every directive so each one names the directive, the
// value and what is accepted (what `apachectl -t` shows the administrator).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleet::config {

// "ProxySet: lbmethod 'p2cc' is unknown; accepted: byrequests, p2c"
std::string unknownChoice(std::string_view directive, std::string_view key, std::string_view value,
                          const std::vector<std::string>& accepted);

// "FleetX: '10q' is not valid; accepted: ..." (reason is the core parser's message)
std::string badValue(std::string_view directive, std::string_view reason);

// The value of `key=value` among whitespace-separated words (key case-insensitive), or nullptr.
// Words may be double- or single-quoted as in httpd config files.
bool findKeyValue(std::string_view args, std::string_view key, std::string* value);

}  // namespace fleet::config
