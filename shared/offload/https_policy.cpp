#include "shared/offload/https_policy.h"

#include <cctype>

#include "shared/common/parse.h"
#include "shared/offload/forwarded.h"

namespace fleet::offload {
namespace {

bool validHostName(std::string_view h) {
  if (h.empty() || h.size() > 253) {
    return false;
  }
  for (char c : h) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace

common::Result<std::string> parseHsts(const std::vector<std::string>& args) {
  const std::string accepted = "accepted: max-age=<seconds> [includeSubDomains] [preload]";
  if (args.empty()) {
    return common::Status(common::Code::kInvalidArgument, "max-age is missing; " + accepted);
  }
  int64_t maxAge = -1;
  bool sub = false, preload = false;
  for (const std::string& a : args) {
    std::string l = common::toLower(a);
    if (l.rfind("max-age=", 0) == 0) {
      common::Result<int64_t> n =
          common::parseInteger(std::string_view(a).substr(8), 0, 1000000000);
      if (!n.isOk()) {
        return common::Status(
            common::Code::kInvalidArgument,
            "'" + a + "' is not valid; max-age takes whole seconds, e.g. max-age=31536000");
      }
      maxAge = n.value();
    } else if (l == "includesubdomains") {
      sub = true;
    } else if (l == "preload") {
      preload = true;
    } else {
      return common::Status(common::Code::kInvalidArgument,
                            "'" + a + "' is not valid; " + accepted);
    }
  }
  if (maxAge < 0) {
    return common::Status(common::Code::kInvalidArgument, "max-age is missing; " + accepted);
  }
  if (preload && (!sub || maxAge < 31536000)) {
    return common::Status(
        common::Code::kInvalidArgument,
        "preload needs includeSubDomains and max-age of at least 31536000 (a year)");
  }
  std::string v = "max-age=" + std::to_string(maxAge);
  if (sub) {
    v += "; includeSubDomains";
  }
  if (preload) {
    v += "; preload";
  }
  return v;
}

common::Result<int> parseRedirectCode(std::string_view text) {
  common::Result<int64_t> n = common::parseInteger(text, 300, 399);
  if (n.isOk()) {
    switch (n.value()) {
      case 301:
      case 302:
      case 303:
      case 307:
      case 308:
        return static_cast<int>(n.value());
      default:
        break;
    }
  }
  return common::Status(
      common::Code::kInvalidArgument,
      "'" + std::string(text) + "' is not valid; accepted: 301, 302, 303, 307, 308");
}

std::string httpsLocation(std::string_view hostHeader, std::string_view fallbackHost, int port,
                          std::string_view unparsedUri) {
  std::string host;
  std::string_view h = hostHeader;
  if (!h.empty() && h.front() == '[') {  // IPv6 literal
    size_t close = h.find(']');
    if (close != std::string_view::npos && IpAddress::parse(h.substr(1, close - 1))) {
      host = std::string(h.substr(0, close + 1));
    }
  } else {
    std::string_view name = h.substr(0, h.find(':'));
    if (validHostName(name)) {
      host = common::toLower(name);
    }
  }
  if (host.empty()) {
    host = std::string(fallbackHost);
  }
  std::string out = "https://" + host;
  if (port != 443 && port > 0) {
    out += ":" + std::to_string(port);
  }
  if (unparsedUri.empty() || unparsedUri.front() != '/') {
    return out + "/";  // "*" or an absolute-form target: go to the site's root
  }
  return out + std::string(unparsedUri);
}

bool exempt(const std::vector<std::string>& prefixes, std::string_view path) {
  for (const std::string& p : prefixes) {
    if (path.substr(0, p.size()) == p) {
      return true;
    }
  }
  return false;
}

}  // namespace fleet::offload
