#include "shared/status/page_access.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "shared/common/parse.h"
#include "shared/status/actions.h"

namespace fleet::status {
namespace {

// ServerAlias wildcards: '*' any run of characters, '?' one; case-insensitive.
bool globMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

// The host part of a Host header: "[::1]:80" -> "::1", "Example.COM:8080" -> "example.com".
std::string hostPart(std::string_view host) {
  host = common::trimSpaces(host);
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? std::string()
                                           : common::toLower(host.substr(1, close - 1));
  }
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out = common::toLower(host);
  if (!out.empty() && out.back() == '.') {
    out.pop_back();  // "example.com." is example.com
  }
  return out;
}

bool isHexToken(std::string_view v) {
  if (v.size() != 32) {
    return false;
  }
  for (char c : v) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool hostAllowed(std::string_view hostHeader, const std::vector<std::string>& names,
                 std::string_view localIp) {
  if (common::trimSpaces(hostHeader).empty()) {
    return true;
  }
  std::string host = hostPart(hostHeader);
  if (host.empty()) {
    return false;
  }
  for (const std::string& n : names) {
    if (globMatch(common::toLower(n), host)) {
      return true;
    }
  }
  if (host == common::toLower(localIp)) {
    return true;
  }
  bool loopback = localIp.rfind("127.", 0) == 0 || localIp == "::1";
  return loopback && host == "localhost";
}

std::string actionToken(std::string_view secret, std::string_view scope, std::string_view cookie) {
  if (secret.empty() || cookie.empty()) {
    return "";
  }
  std::string msg = std::string(scope) + "\n" + std::string(cookie);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

bool actionTokenMatches(std::string_view secret, std::string_view scope, std::string_view cookie,
                        std::string_view given) {
  return nonceMatches(actionToken(secret, scope, cookie), given);
}

std::string tokenCookie(std::string_view header) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    std::string_view pair = common::trimSpaces(
        header.substr(pos, semi == std::string_view::npos ? header.npos : semi - pos));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && common::trimSpaces(pair.substr(0, eq)) == kTokenCookie) {
      std::string_view v = common::trimSpaces(pair.substr(eq + 1));
      return isHexToken(v) ? std::string(v) : std::string();
    }
    if (semi == std::string_view::npos) {
      break;
    }
    pos = semi + 1;
  }
  return "";
}

std::string actionRedirect(std::string_view path, std::string_view notice) {
  static const char kHex[] = "0123456789ABCDEF";
  auto encode = [](std::string_view s, bool slash) {
    std::string out;
    for (unsigned char c : s) {
      bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '.' || c == '_' || c == '~' || (slash && c == '/');
      if (plain) {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  };
  // A path that does not start with one '/' could point the browser elsewhere ("//evil").
  std::string p = encode(path, true);
  if (p.empty() || p[0] != '/' || (p.size() > 1 && p[1] == '/')) {
    p = "/" + encode(path, false);
  }
  return p + "?notice=" + encode(notice, false);
}

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string formDecoded(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '+') {
      out += ' ';
    } else if (v[i] == '%' && i + 2 < v.size() && hexValue(v[i + 1]) >= 0 &&
               hexValue(v[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(v[i + 1]) * 16 + hexValue(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

std::string queryValue(std::string_view query, std::string_view key) {
  std::string found;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (formDecoded(pair.substr(0, eq)) != key) {
      continue;
    }
    found = eq == std::string_view::npos ? "" : formDecoded(pair.substr(eq + 1));
  }
  return found;
}

}  // namespace fleet::status
