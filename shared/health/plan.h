// How one member is checked, from what httpd knows of it (scheme, host, port, the hc* fields
// balancer-manager may edit) and mod_fleet's own hc* settings: the probe (method, URI, Host
// header, TLS and its names) and the schedule. Address resolution is the caller's.
#pragma once

#include <cstdint>
#include <string>

#include "shared/health/check_config.h"
#include "shared/health/checker.h"

namespace fleet::health {

struct MemberEndpoint {
  std::string scheme;  // "http", "https", "ws", "wss", "h2", "h2c"...
  std::string host;    // as in the member's URL, IPv6 without brackets
  int port = 0;
  std::string hcuri;           // "" = "/"
  int64_t intervalMicros = 0;  // hcinterval as httpd holds it; below 100 ms = the 30 s default
  bool expression = false;     // hcexpr is set: its verdict needs headers and body
};

// TLS schemes: https, wss, h2.
bool tlsScheme(const std::string& scheme);
// The Host header for a member: host (bracketed when IPv6), with the port unless it is the
// scheme's default.
std::string hostHeader(const MemberEndpoint& m);

CheckTarget planCheck(uint64_t key, const MemberEndpoint& m, ProbeSpec method,
                      const CheckConfig& cfg);

}  // namespace fleet::health
