// What a proxied request tells its member (forward_plan.*): the client's header lines (any names,
// '_' and '.' spellings, a trusted proxy's chains) and mod_ssl's variables (the client
// certificate's PEM and DNs carry client-chosen bytes) in, the removals and the headers set out;
// and the HTTPS redirect's Location built from the client's Host (https_policy.*).
// Input: a line of words (tls https trusted noadd optional), the peer address, the client
// address, the Host, ServerName, the client's header lines, an empty line, then mod_ssl variables
// as NAME=value lines ("\n" in a value stands for a newline).
#include "shared/offload/forward_plan.h"

#include <cstdint>
#include <map>
#include <string>

#include "shared/common/headers.h"
#include "shared/offload/https_policy.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace fleet::offload;

std::string unescaped(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && v[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += v[i];
    }
  }
  return out;
}

bool has(std::string_view words, std::string_view w) {
  return (" " + std::string(words) + " ").find(" " + std::string(w) + " ") != std::string::npos;
}

void checkLocation(std::string_view host, std::string_view uri) {
  for (int port : {443, 8443, 0}) {
    std::string loc = httpsLocation(host, "fallback.example", port, uri);
    FUZZ_CHECK(loc.rfind("https://", 0) == 0);
    std::string_view authority = std::string_view(loc).substr(8);
    authority = authority.substr(0, authority.find('/'));
    FUZZ_CHECK(!authority.empty());
    FUZZ_CHECK(authority.find_first_of("@\\?#") == std::string_view::npos);
    FUZZ_CHECK(!fleet::fuzz::hasControl(authority));
    FUZZ_CHECK(loc.size() > 8 + authority.size() && loc[8 + authority.size()] == '/');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fleet::fuzz::Input in(data, size);
  std::string_view words = in.line();
  ForwardRequest req;
  req.peerIp = std::string(in.line());
  req.clientIp = std::string(in.line());
  req.host = std::string(in.line());
  req.serverName = std::string(in.line());
  fleet::common::HeaderList headers = fleet::fuzz::headerList(in.block());
  req.headers = &headers;
  req.https = has(words, "https");
  req.localPort = static_cast<int>(req.host.size() * 131 % 70000);
  req.proxyAddHeaders = !has(words, "noadd");
  std::map<std::string, std::string> vars;
  while (!in.empty()) {
    std::string_view l = in.line();
    size_t eq = l.find('=');
    vars[std::string(l.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : unescaped(l.substr(eq + 1));
  }
  SslLookup ssl = [&vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) {
      return std::nullopt;
    }
    return it->second;
  };

  HeaderNames names = HeaderNames::defaults();
  if (has(words, "optional")) {
    for (const char* f : {"client-cert-chain", "tls-protocol", "tls-cipher", "tls-sni"}) {
      (void)names.set(f, std::string("X-Fuzz-") + f);
    }
  }
  StripRules strip, keep;
  (void)strip.add("X-Internal-*");
  (void)keep.keep("X-Real-IP");
  TrustedProxies trusted;
  trusted.add(Cidr::parse("192.0.2.0/24").value());
  trusted.add(Cidr::parse("2001:db8::/32").value());
  bool fromTrusted = has(words, "trusted") || trusted.trusts(req.peerIp);
  if (has(words, "trusted")) {
    req.peerIp = "192.0.2.9";
  }
  ForwardScope scope = has(words, "tls") ? ForwardScope::kTls : ForwardScope::kForwarding;

  ForwardPlan plan = planForward(req, scope, names, strip, keep, &trusted, ssl);
  for (const auto& [name, value] : plan.set) {
    FUZZ_CHECK(!name.empty() && !value.empty());
    FUZZ_CHECK(safeHeaderValue(value));
    if (name == names.name(Fact::kForwarded)) {
      FUZZ_CHECK(validForwarded(value));
    }
  }
  for (const ForwardedChain* c : {&plan.forwardedFor, &plan.forwardedHost, &plan.forwardedServer}) {
    FUZZ_CHECK(safeHeaderValue(c->incoming) && safeHeaderValue(c->full));
  }
  FUZZ_CHECK(plan.forwardedFor.full.empty() || validForwardedFor(plan.forwardedFor.full));
  FUZZ_CHECK(plan.forwardedFor.incoming.empty() || validForwardedFor(plan.forwardedFor.incoming));
  if (!(scope == ForwardScope::kForwarding && fromTrusted)) {
    // Every forwarding name a client sent, however spelled, is removed (X-Real-IP is kept here).
    for (const auto& [name, value] : headers) {
      std::string folded = fleet::common::foldedFieldName(name);
      if (folded == "x-forwarded-for" || folded == "forwarded" || folded == "x-forwarded-proto" ||
          folded == "x-internal-thing" ||
          (scope == ForwardScope::kTls && folded == "x-ssl-client-verify")) {
        bool removed = false;
        for (const std::string& r : plan.remove) {
          removed = removed || r == name;
        }
        FUZZ_CHECK(removed);
      }
    }
  }
  for (std::string_view scheme : {"http", "fcgi", "AJP"}) {
    for (const auto& [name, value] : forwardedHeaders(plan, scheme)) {
      FUZZ_CHECK(safeHeaderValue(value));
    }
  }
  checkLocation(req.host, req.serverName);
  return 0;
}
