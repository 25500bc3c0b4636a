#include "shared/offload/forwarded.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

#include "shared/common/parse.h"

namespace fleet::offload {
namespace {

bool isTchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton reads up to a NUL: "10.0.0.1\0anything" must not pass as 10.0.0.1.
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string t(text);
  IpAddress ip;
  if (inet_pton(AF_INET, t.c_str(), ip.bytes.data()) == 1) {
    return ip;
  }
  if (inet_pton(AF_INET6, t.c_str(), ip.bytes.data()) == 1) {
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

common::Result<Cidr> Cidr::parse(std::string_view text) {
  auto bad = [&] {
    return common::Status(common::Code::kInvalidArgument,
                          "'" + std::string(text) +
                              "' is not valid; accepted: an IPv4 or IPv6 "
                              "address or network, e.g. 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32");
  };
  size_t slash = text.find('/');
  std::optional<IpAddress> ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) {
    return bad();
  }
  Cidr c;
  c.base = *ip;
  int max = ip->v6 ? 128 : 32;
  c.bits = max;
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    if (b.empty() || b.size() > 3) {
      return bad();
    }
    int n = 0;
    for (char ch : b) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) {
        return bad();
      }
      n = n * 10 + (ch - '0');
    }
    if (n > max) {
      return bad();
    }
    c.bits = n;
  }
  return c;
}

bool Cidr::contains(const IpAddress& ip) const {
  IpAddress probe = ip;
  if (!base.v6 && ip.v6) {
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d), as dual-stack listeners report clients.
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(ip.bytes.data(), kMapped, 12) != 0) {
      return false;
    }
    probe.v6 = false;
    std::memmove(probe.bytes.data(), ip.bytes.data() + 12, 4);
  }
  if (probe.v6 != base.v6) {
    return false;
  }
  int full = bits / 8, rest = bits % 8;
  if (std::memcmp(probe.bytes.data(), base.bytes.data(), static_cast<size_t>(full)) != 0) {
    return false;
  }
  if (rest == 0) {
    return true;
  }
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (probe.bytes[full] & mask) == (base.bytes[full] & mask);
}

bool TrustedProxies::trusts(std::string_view ip) const {
  std::optional<IpAddress> a = IpAddress::parse(ip);
  if (!a) {
    return false;
  }
  for (const Cidr& c : ranges_) {
    if (c.contains(*a)) {
      return true;
    }
  }
  return false;
}

bool safeHeaderValue(std::string_view value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return false;
    }
  }
  return true;
}

std::string forwardedValue(std::string_view value) {
  bool token = !value.empty();
  for (char c : value) {
    token = token && isTchar(c);
  }
  if (token) {
    return std::string(value);
  }
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string forwardedNode(std::string_view ip, int port) {
  std::optional<IpAddress> a = IpAddress::parse(ip);
  std::string node;
  if (!a) {
    // Not an address (a UNIX socket peer, an empty value): RFC 7239 6.3's "unknown".
    node = "unknown";
  } else if (a->v6) {
    node = "[" + a->toString() + "]";
  } else {
    node = a->toString();
  }
  if (port > 0 && port < 65536 && node != "unknown") {
    node += ":" + std::to_string(port);
  }
  return forwardedValue(node);
}

std::string forwardedElement(const ForwardedFacts& f) {
  std::string out;
  auto add = [&](const char* key, const std::string& v) {
    if (v.empty()) {
      return;
    }
    if (!out.empty()) {
      out += ';';
    }
    out += key;
    out += '=';
    out += v;
  };
  add("for", f.forNode);
  add("proto", f.proto);
  if (!f.host.empty() && safeHeaderValue(f.host)) {
    add("host", forwardedValue(f.host));
  }
  add("by", f.by);
  return out;
}

bool validForwarded(std::string_view value) {
  if (!safeHeaderValue(value) || common::trimSpaces(value).empty()) {
    return false;
  }
  size_t i = 0;
  const size_t n = value.size();
  auto skipWs = [&] {
    while (i < n && (value[i] == ' ' || value[i] == '\t')) {
      ++i;
    }
  };
  for (;;) {
    skipWs();
    // pair: token "=" (token / quoted-string)
    size_t start = i;
    while (i < n && isTchar(value[i])) {
      ++i;
    }
    if (i == start || i >= n || value[i] != '=') {
      return false;
    }
    ++i;
    if (i < n && value[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (value[i] == '\\' && i + 1 < n) {
          i += 2;
          continue;
        }
        if (value[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        ++i;
      }
      if (!closed) {
        return false;
      }
    } else {
      start = i;
      while (i < n && isTchar(value[i])) {
        ++i;
      }
      if (i == start) {
        return false;
      }
    }
    skipWs();
    if (i == n) {
      return true;
    }
    if (value[i] != ';' && value[i] != ',') {
      return false;
    }
    ++i;
  }
}

bool validForwardedFor(std::string_view value) {
  if (!safeHeaderValue(value) || common::trimSpaces(value).empty()) {
    return false;
  }
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    std::string_view item = common::trimSpaces(
        value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos));
    if (item != "unknown" && !IpAddress::parse(item)) {
      return false;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return true;
}

}  // namespace fleet::offload
