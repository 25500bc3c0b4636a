// HTTP header fields as the core sees them: a list of (name, value) lines in arrival order, and
// the one way list-valued fields are read from it. A field may arrive on several lines (RFC 9110
// 5.3); every decision about Vary, Cache-Control, Pragma, Connection or Surrogate-Key must see all
// of them, so these helpers combine lines instead of picking the first.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleet::common {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Field names compare case-insensitively.
bool sameFieldName(std::string_view a, std::string_view b);

// Every line of the field joined with ", " in order (empty lines left out); "" when absent.
std::string combinedField(const HeaderList& headers, std::string_view name);

// The field's first line, or "" (for singleton fields such as Date or ETag).
std::string firstField(const HeaderList& headers, std::string_view name);

// The values of a comma-separated list, trimmed, empty members dropped (as written, not
// lower-cased): "a, ,b" -> {"a", "b"}.
std::vector<std::string> splitList(std::string_view value);

// A header name as gateways that fold '_' and '.' into '-' read it (CGI, WSGI, Rack): lower case,
// '_' and '.' as '-'. "X_SSL_Client.Verify" -> "x-ssl-client-verify".
std::string foldedFieldName(std::string_view name);

}  // namespace fleet::common
