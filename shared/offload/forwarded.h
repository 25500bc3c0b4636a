// What a member is told about the client: RFC 7239 Forwarded elements (quoting, IPv6 brackets,
// obfuscated and "unknown" identifiers), X-Forwarded-For chains, and which proxies' chains are
// believed (FleetTrustedProxies). Values that could smuggle anything (control characters, CR, LF,
// NUL, or syntax that does not parse) are never passed on.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/status.h"

namespace fleet::offload {

// An IPv4 or IPv6 address, parsed strictly (no host names, no zone ids, no ports).
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first four
  static std::optional<IpAddress> parse(std::string_view text);
  std::string toString() const;
};

// "10.0.0.0/8", "2001:db8::/32", "192.0.2.7" (a single address).
struct Cidr {
  IpAddress base;
  int bits = 0;
  static common::Result<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& ip) const;
};

class TrustedProxies {
 public:
  void add(const Cidr& c) { ranges_.push_back(c); }
  bool empty() const { return ranges_.empty(); }
  bool trusts(std::string_view ip) const;

 private:
  std::vector<Cidr> ranges_;
};

// A header value safe to forward: printable, no CR/LF/NUL or other control characters.
bool safeHeaderValue(std::string_view value);

// One node of a Forwarded element (RFC 7239 section 6): an IP address (IPv6 bracketed), with an
// optional port, quoted when needed: for=192.0.2.60, for="[2001:db8::1]:4711", for=unknown.
std::string forwardedNode(std::string_view ip, int port = 0);

// A parameter value as token or quoted-string (RFC 7230), e.g. host="example.com:8443".
std::string forwardedValue(std::string_view value);

struct ForwardedFacts {
  std::string forNode;  // from forwardedNode()
  std::string proto;    // "http" or "https"
  std::string host;     // the Host the client asked for (omitted when empty or unsafe)
  std::string by;       // optional: this proxy, from forwardedNode()
};
// "for=192.0.2.60;proto=https;host=example.com" (empty facts are left out)
std::string forwardedElement(const ForwardedFacts& facts);

// True when `value` is a syntactically valid Forwarded header (comma-separated elements of
// token=value pairs), so a trusted proxy's chain can be extended rather than replaced.
bool validForwarded(std::string_view value);

// True when `value` is a comma-separated list of IP addresses (what X-Forwarded-For may carry
// from a trusted proxy); "unknown" entries are allowed.
bool validForwardedFor(std::string_view value);

}  // namespace fleet::offload
