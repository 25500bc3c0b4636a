#include "shared/resilience/proxy_status.h"

namespace fleet::resilience {
namespace {

// An RFC 8941 sf-string: printable ASCII, '"' and '\' escaped.
std::string sfString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) {
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

const char* errorToken(ProxyError e) {
  switch (e) {
    case ProxyError::kNone:
      return "";
    case ProxyError::kConnectionRefused:
      return "connection_refused";
    case ProxyError::kConnectionTimeout:
      return "connection_timeout";
    case ProxyError::kResponseTimeout:
      return "http_response_timeout";
    case ProxyError::kConnectionTerminated:
      return "connection_terminated";
    case ProxyError::kDestinationUnavailable:
      return "destination_unavailable";
    case ProxyError::kConnectionLimit:
      return "connection_limit_reached";
    case ProxyError::kRetryBudget:
      return "proxy_internal_response";
  }
  return "";
}

std::string proxyStatus(ProxyError e, std::string_view member, std::string_view details) {
  std::string out = "fleet; error=";
  out += errorToken(e);
  if (!member.empty()) {
    out += "; next-hop=" + sfString(member);
  }
  if (!details.empty()) {
    out += "; details=" + sfString(details);
  }
  return out;
}

}  // namespace fleet::resilience
