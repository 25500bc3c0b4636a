#include "shared/offload/forward_plan.h"

#include <algorithm>

#include "shared/common/parse.h"

namespace fleet::offload {
namespace {

// Names proxies use to tell an application where a request came from, as gateways read them. A
// client sending any of these could pose as another client, scheme or host (and, reflected into
// a cached page, poison it for everyone).
constexpr const char* kForwardingNames[] = {
    "x-forwarded-for",      "x-forwarded-host",   "x-forwarded-server",  "x-forwarded-proto",
    "x-forwarded-port",     "forwarded",          "x-forwarded-ssl",     "x-forwarded-scheme",
    "x-forwarded-protocol", "x-forwarded-prefix", "front-end-https",     "x-real-ip",
    "true-client-ip",       "x-client-ip",        "x-cluster-client-ip", "x-url-scheme",
    "x-original-url",       "x-rewrite-url",      "x-original-host",
};

// TLS facts under other proxies' names (nginx's $ssl_client_*, HAProxy's ssl_c_*, Envoy's XFCC).
constexpr const char* kTlsNames[] = {"x-ssl-client-cert", "x-client-cert",
                                     "x-client-verify",   "x-forwarded-client-cert",
                                     "client-cert",       "client-cert-chain"};
constexpr const char* kTlsPrefixes[] = {"ssl-client-", "x-ssl-client-", "x-ssl-"};

bool listed(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

template <size_t N>
bool listed(const char* const (&list)[N], std::string_view s) {
  for (const char* n : list) {
    if (s == n) {
      return true;
    }
  }
  return false;
}

bool hasPrefix(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool validPatternName(std::string_view n) {
  if (n.empty() || n.size() > 64) {
    return false;
  }
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// A configured fact's header name, folded ("" when the fact is off).
std::string factName(const HeaderNames& names, Fact f) {
  return names.name(f).empty() ? std::string() : common::foldedFieldName(names.name(f));
}

bool namesFact(const HeaderNames& names, std::string_view folded) {
  return listed(names.foldedStripList(), folded);
}

struct Chain {
  std::string xff, xfh, xfs, forwarded;
};

void append(std::string* chain, std::string_view value) {
  if (value.empty()) {
    return;
  }
  if (!chain->empty()) {
    *chain += ", ";
  }
  *chain += value;
}

void setFact(ForwardPlan* plan, const HeaderNames& names, Fact f,
             const std::optional<std::string>& v) {
  const std::string& name = names.name(f);
  if (name.empty() || !v || v->empty() || !safeHeaderValue(*v)) {
    return;
  }
  plan->set.emplace_back(name, *v);
}

void addClientCertificate(ForwardPlan* plan, const HeaderNames& names, const SslLookup& ssl) {
  std::optional<std::string> verify = ssl("SSL_CLIENT_VERIFY");
  if (!verify || *verify == "NONE") {
    return;  // no client certificate: none of its facts exist
  }
  setFact(plan, names, Fact::kClientVerify, verify);
  setFact(plan, names, Fact::kClientSubject, ssl("SSL_CLIENT_S_DN"));
  setFact(plan, names, Fact::kClientIssuer, ssl("SSL_CLIENT_I_DN"));
  setFact(plan, names, Fact::kClientSerial, ssl("SSL_CLIENT_M_SERIAL"));
  setFact(plan, names, Fact::kClientNotAfter, ssl("SSL_CLIENT_V_END"));
  if (!names.name(Fact::kClientSha256).empty() || !names.name(Fact::kClientCert).empty()) {
    if (std::optional<std::string> pem = ssl("SSL_CLIENT_CERT")) {
      common::Result<std::string> der = pemToDer(*pem);
      if (der.isOk()) {
        setFact(plan, names, Fact::kClientSha256, sha256Hex(der.value()));
        setFact(plan, names, Fact::kClientCert, byteSequence(der.value()));
      }
    }
  }
  if (!names.name(Fact::kClientCertChain).empty()) {
    std::string chain;
    for (int i = 0; i < 16; ++i) {
      std::optional<std::string> pem = ssl(("SSL_CLIENT_CERT_CHAIN_" + std::to_string(i)).c_str());
      if (!pem) {
        break;
      }
      common::Result<std::string> der = pemToDer(*pem);
      if (!der.isOk()) {
        break;
      }
      append(&chain, byteSequence(der.value()));
    }
    setFact(plan, names, Fact::kClientCertChain, chain);
  }
}

}  // namespace

StripRules StripRules::defaults() { return StripRules(); }

common::Status StripRules::add(std::string_view pattern) {
  bool prefix = !pattern.empty() && pattern.back() == '*';
  std::string_view name = prefix ? pattern.substr(0, pattern.size() - 1) : pattern;
  if (!validPatternName(name)) {
    return common::Status(common::Code::kInvalidArgument,
                          "'" + std::string(pattern) +
                              "' is not valid; accepted: a header name "
                              "(letters, digits, '-', '_', '.'), or a prefix ending in '*' such as "
                              "X-Internal-*");
  }
  (prefix ? prefixes_ : names_).push_back(common::foldedFieldName(name));
  return common::Status::ok();
}

common::Status StripRules::keep(std::string_view name) {
  if (!validPatternName(name)) {
    return common::Status(common::Code::kInvalidArgument,
                          "'" + std::string(name) +
                              "' is not valid; accepted: a header name "
                              "(letters, digits, '-', '_', '.')");
  }
  keeps_.push_back(common::foldedFieldName(name));
  return common::Status::ok();
}

bool StripRules::strips(std::string_view folded) const {
  if (listed(names_, folded)) {
    return true;
  }
  for (const std::string& p : prefixes_) {
    if (hasPrefix(folded, p)) {
      return true;
    }
  }
  return false;
}

bool StripRules::keeps(std::string_view folded) const { return listed(keeps_, folded); }

ForwardPlan planForward(const ForwardRequest& req, ForwardScope scope, const HeaderNames& names,
                        const StripRules& strip, const StripRules& keep,
                        const TrustedProxies* trusted, const SslLookup& ssl) {
  ForwardPlan plan;
  bool fromTrusted = trusted != nullptr && trusted->trusts(req.peerIp);
  if (scope == ForwardScope::kForwarding && fromTrusted) {
    return plan;  // a proxy's chain, kept
  }
  const std::string ownProto = factName(names, Fact::kProto);
  const std::string ownPort = factName(names, Fact::kPort);
  const std::string ownForwarded = factName(names, Fact::kForwarded);
  Chain incoming;
  static const common::HeaderList kNone;
  for (const auto& [name, value] : req.headers != nullptr ? *req.headers : kNone) {
    std::string folded = common::foldedFieldName(name);
    bool forwarding = listed(kForwardingNames, folded) || folded == ownProto || folded == ownPort ||
                      folded == ownForwarded;
    bool tls = scope == ForwardScope::kTls &&
               (listed(kTlsNames, folded) || namesFact(names, folded) ||
                std::any_of(std::begin(kTlsPrefixes), std::end(kTlsPrefixes),
                            [&](const char* p) { return hasPrefix(folded, p); }));
    if (!(forwarding || tls || strip.strips(folded)) || keep.keeps(folded)) {
      continue;
    }
    plan.remove.push_back(name);
    // A trusted proxy's own chain, spelled as the standard says (not a '_' or '.' variant), is
    // extended rather than replaced.
    bool canonical = common::toLower(name) == folded;
    if (!fromTrusted || !canonical) {
      continue;
    }
    if (folded == "x-forwarded-for") {
      append(&incoming.xff, value);
    }
    if (folded == "x-forwarded-host") {
      append(&incoming.xfh, value);
    }
    if (folded == "x-forwarded-server") {
      append(&incoming.xfs, value);
    }
    if (folded == "forwarded") {
      append(&incoming.forwarded, value);
    }
  }
  if (!incoming.xff.empty() && !validForwardedFor(incoming.xff)) {
    incoming.xff.clear();
  }
  if (!incoming.forwarded.empty() && !validForwarded(incoming.forwarded)) {
    incoming.forwarded.clear();
  }
  if (!safeHeaderValue(incoming.xfh)) {
    incoming.xfh.clear();
  }
  if (!safeHeaderValue(incoming.xfs)) {
    incoming.xfs.clear();
  }

  const char* proto = req.https ? "https" : "http";
  setFact(&plan, names, Fact::kProto, std::string(proto));
  if (req.localPort > 0) {
    setFact(&plan, names, Fact::kPort, std::to_string(req.localPort));
  }
  std::string host = safeHeaderValue(req.host) ? req.host : "";
  if (!names.name(Fact::kForwarded).empty()) {
    ForwardedFacts f;
    f.forNode = forwardedNode(req.clientIp);
    f.proto = proto;
    f.host = host;
    std::string chain = incoming.forwarded;
    append(&chain, forwardedElement(f));
    setFact(&plan, names, Fact::kForwarded, chain);
  }
  // What ProxyAddHeaders adds, for every scheme alike (see forwardedHeaders()).
  auto chain = [&](ForwardedChain* c, const std::string& incomingValue, const std::string& own) {
    c->incoming = incomingValue;
    c->full = incomingValue;
    if (req.proxyAddHeaders) {
      append(&c->full, own);
    }
  };
  chain(&plan.forwardedFor, incoming.xff, IpAddress::parse(req.clientIp) ? req.clientIp : "");
  chain(&plan.forwardedHost, incoming.xfh, host);
  chain(&plan.forwardedServer, incoming.xfs, safeHeaderValue(req.serverName) ? req.serverName : "");

  if (scope == ForwardScope::kTls && req.https) {
    addClientCertificate(&plan, names, ssl);
    setFact(&plan, names, Fact::kTlsProtocol, ssl("SSL_PROTOCOL"));
    setFact(&plan, names, Fact::kTlsCipher, ssl("SSL_CIPHER"));
    setFact(&plan, names, Fact::kTlsSni, ssl("SSL_TLS_SNI"));
  }
  return plan;
}

common::HeaderList forwardedHeaders(const ForwardPlan& plan, std::string_view scheme) {
  std::string s = common::toLower(scheme);
  bool appendsItself =
      s == "http" || s == "https" || s == "ws" || s == "wss" || s == "h2" || s == "h2c";
  auto value = [&](const ForwardedChain& c) { return appendsItself ? c.incoming : c.full; };
  return {{"X-Forwarded-For", value(plan.forwardedFor)},
          {"X-Forwarded-Host", value(plan.forwardedHost)},
          {"X-Forwarded-Server", value(plan.forwardedServer)}};
}

}  // namespace fleet::offload
