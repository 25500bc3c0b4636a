// The Proxy-Status response field (RFC 9209) for answers mod_fleet or mod_proxy made because of a
// member problem, and the same text for the access log. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

namespace fleet::resilience {

// RFC 9209 section 2.3's error types mod_fleet reports.
enum class ProxyError {
  kNone,
  kConnectionRefused,       // connection_refused
  kConnectionTimeout,       // connection_timeout
  kResponseTimeout,         // http_response_timeout (trytimeout=, or the member's own timeout)
  kConnectionTerminated,    // connection_terminated: the member closed or broke the connection
  kDestinationUnavailable,  // destination_unavailable: no usable member
  kConnectionLimit,  // connection_limit_reached: every member at maxconn=, the queue full or too
                     // slow
  kRetryBudget,      // proxy_internal_response: the retry budget refused another attempt
};

const char* errorToken(ProxyError e);

// `fleet; error=connection_refused; next-hop="http://10.0.0.7:8080"; details="..."`: the member
// and the details as RFC 8941 strings (quotes and backslashes escaped, other bytes dropped).
std::string proxyStatus(ProxyError e, std::string_view member, std::string_view details);

}  // namespace fleet::resilience
