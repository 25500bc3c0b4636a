#include "module/offload_glue.h"

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "module/config_glue.h"
#include "module/guard.h"
#include "shared/common/parse.h"
#include "shared/offload/forwarded.h"
#include "shared/offload/https_policy.h"
#include "shared/offload/tls_facts.h"

extern "C" {
#include "http_ssl.h"
}

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using offload::Fact;

// The Host header the client sent: by mod_proxy's fixups the headers are its copy for the member,
// with Host already rewritten (unless ProxyPreserveHost), so it is noted when the request arrives.
constexpr const char* kClientHost = "fleet-client-host";

template <typename T>
apr_status_t destroy(void* p) {
  static_cast<T*>(p)->~T();
  return APR_SUCCESS;
}

template <typename T>
T* poolNew(apr_pool_t* p, T&& value) {
  T* obj = new (apr_palloc(p, sizeof(T))) T(std::move(value));
  apr_pool_cleanup_register(p, obj, destroy<T>, apr_pool_cleanup_null);
  return obj;
}

const offload::HeaderNames& defaultNames() {
  static const offload::HeaderNames kDefaults = offload::HeaderNames::defaults();
  return kDefaults;
}

// mod_ssl keeps TLS state on the connection HTTP/2 streams ride on.
conn_rec* tlsConnection(conn_rec* c) { return c->master != nullptr ? c->master : c; }

bool isHttps(request_rec* r) { return ap_ssl_conn_is_ssl(tlsConnection(r->connection)) != 0; }

const char* rawSslVar(request_rec* r, const char* name) {
  const char* v = ap_ssl_var_lookup(r->pool, r->server, tlsConnection(r->connection), r, name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

// A value to put in a header as it is: only when it has no control characters.
const char* sslVar(request_rec* r, const char* name) {
  const char* v = rawSslVar(r, name);
  return (v != nullptr && offload::safeHeaderValue(v)) ? v : nullptr;
}

void setFact(request_rec* r, const offload::HeaderNames& names, Fact f, const char* value) {
  const std::string& name = names.name(f);
  if (!name.empty() && value != nullptr && *value != '\0') {
    apr_table_setn(r->headers_in, name.c_str(), value);
  }
}

void forwardClientCertificate(request_rec* r, const offload::HeaderNames& names) {
  const char* verify = sslVar(r, "SSL_CLIENT_VERIFY");
  if (verify == nullptr || std::strcmp(verify, "NONE") == 0) {
    return;  // no client certificate: none of its facts exist
  }
  setFact(r, names, Fact::kClientVerify, verify);
  setFact(r, names, Fact::kClientSubject, sslVar(r, "SSL_CLIENT_S_DN"));
  setFact(r, names, Fact::kClientIssuer, sslVar(r, "SSL_CLIENT_I_DN"));
  setFact(r, names, Fact::kClientSerial, sslVar(r, "SSL_CLIENT_M_SERIAL"));
  setFact(r, names, Fact::kClientNotAfter, sslVar(r, "SSL_CLIENT_V_END"));
  bool wantDer = !names.name(Fact::kClientSha256).empty() || !names.name(Fact::kClientCert).empty();
  if (wantDer) {
    if (const char* pem = rawSslVar(r, "SSL_CLIENT_CERT")) {  // PEM: re-encoded below
      common::Result<std::string> der = offload::pemToDer(pem);
      if (der.isOk()) {
        setFact(r, names, Fact::kClientSha256, apr_pstrdup(r->pool, offload::sha256Hex(der.value()).c_str()));
        setFact(r, names, Fact::kClientCert, apr_pstrdup(r->pool, offload::byteSequence(der.value()).c_str()));
      }
    }
  }
  if (!names.name(Fact::kClientCertChain).empty()) {
    std::string chain;
    for (int i = 0; i < 16; ++i) {
      const char* pem = rawSslVar(r, apr_psprintf(r->pool, "SSL_CLIENT_CERT_CHAIN_%d", i));
      if (pem == nullptr) break;
      common::Result<std::string> der = offload::pemToDer(pem);
      if (!der.isOk()) break;
      chain += (chain.empty() ? "" : ", ") + offload::byteSequence(der.value());
    }
    setFact(r, names, Fact::kClientCertChain, apr_pstrdup(r->pool, chain.c_str()));
  }
}

// mod_proxy's fixups, once per attempt at a member: remove what the client may not say, then set
// what mod_ssl knows.
int onProxyFixups(request_rec* r) {
  return guarded<int>(r->server, "TLS facts", DECLINED, [&] {
    const DirConfig& d = dirConfig(r);
    if (!d.forwardTls.value_or(false)) {
      return DECLINED;
    }
    const offload::HeaderNames& names = d.tlsHeaders.has_value() ? **d.tlsHeaders : defaultNames();
    const offload::TrustedProxies* trusted = d.trustedProxies.value_or(nullptr);
    conn_rec* c = r->connection;
    bool fromTrusted = trusted != nullptr && trusted->trusts(c->client_ip);
    // This runs on mod_proxy's copy of the headers for one attempt, after it has appended to
    // X-Forwarded-For/-Host/-Server (ProxyAddHeaders): what a client sent there is replaced
    // unless it came through a trusted proxy (whose X-Forwarded-For must at least parse).
    const char* xff = apr_table_get(r->headers_in, "X-Forwarded-For");
    if (xff != nullptr && (!fromTrusted || !offload::validForwardedFor(xff))) {
      apr_table_setn(r->headers_in, "X-Forwarded-For", r->useragent_ip);
    }
    const char* clientHost = apr_table_get(r->notes, kClientHost);
    if (!fromTrusted) {
      if (apr_table_get(r->headers_in, "X-Forwarded-Host") != nullptr) {
        if (clientHost != nullptr && offload::safeHeaderValue(clientHost)) {
          apr_table_setn(r->headers_in, "X-Forwarded-Host", clientHost);
        } else {
          apr_table_unset(r->headers_in, "X-Forwarded-Host");
        }
      }
      if (apr_table_get(r->headers_in, "X-Forwarded-Server") != nullptr) {
        apr_table_setn(r->headers_in, "X-Forwarded-Server", r->server->server_hostname);
      }
    }
    const char* incoming = nullptr;
    if (fromTrusted) {
      const char* fwd = apr_table_get(r->headers_in, "Forwarded");
      if (fwd != nullptr && offload::validForwarded(fwd)) incoming = fwd;
    }
    for (const std::string& h : names.stripList()) {
      apr_table_unset(r->headers_in, h.c_str());
    }
    bool https = isHttps(r);
    setFact(r, names, Fact::kProto, https ? "https" : "http");
    if (c->local_addr != nullptr) {
      setFact(r, names, Fact::kPort, apr_itoa(r->pool, c->local_addr->port));
    }
    if (!names.name(Fact::kForwarded).empty()) {
      offload::ForwardedFacts f;
      f.forNode = offload::forwardedNode(c->client_ip != nullptr ? c->client_ip : "");
      f.proto = https ? "https" : "http";
      f.host = clientHost != nullptr ? clientHost : "";
      std::string element = offload::forwardedElement(f);
      setFact(r, names, Fact::kForwarded,
              incoming != nullptr ? apr_pstrcat(r->pool, incoming, ", ", element.c_str(), nullptr)
                                  : apr_pstrdup(r->pool, element.c_str()));
    }
    if (https) {
      forwardClientCertificate(r, names);
      setFact(r, names, Fact::kTlsProtocol, sslVar(r, "SSL_PROTOCOL"));
      setFact(r, names, Fact::kTlsCipher, sslVar(r, "SSL_CIPHER"));
      setFact(r, names, Fact::kTlsSni, sslVar(r, "SSL_TLS_SNI"));
    }
    return DECLINED;
  });
}

// Plain-HTTP requests go to HTTPS before anything else looks at them (after <Location> merging,
// so a section can turn the redirect off).
int redirectToHttps(request_rec* r) {
  return guarded<int>(r->server, "HTTPS redirect", DECLINED, [&] {
    if (r->main != nullptr || r->prev != nullptr) return DECLINED;
    const DirConfig& d = dirConfig(r);
    int code = d.redirectCode.value_or(0);
    if (code == 0 || isHttps(r)) return DECLINED;
    if (d.redirectExempt.has_value()) {
      apr_array_header_t* a = *d.redirectExempt;
      const auto* prefixes = reinterpret_cast<const char* const*>(a->elts);
      std::vector<std::string> list(prefixes, prefixes + a->nelts);
      if (offload::exempt(list, r->uri != nullptr ? r->uri : "")) return DECLINED;
    }
    const char* host = apr_table_get(r->headers_in, "Host");
    std::string location = offload::httpsLocation(
        host != nullptr ? host : "", r->server->server_hostname ? r->server->server_hostname : "localhost",
        d.redirectPort.value_or(443), r->unparsed_uri != nullptr ? r->unparsed_uri : "/");
    apr_table_setn(r->headers_out, "Location", apr_pstrdup(r->pool, location.c_str()));
    return code;
  });
}

void addHsts(request_rec* r) {
  guarded<int>(r->server, "HSTS", 0, [&] {
    const DirConfig& d = dirConfig(r);
    if (d.hsts.has_value() && *d.hsts != nullptr && isHttps(r)) {
      apr_table_setn(r->err_headers_out, "Strict-Transport-Security", *d.hsts);
    }
    return 0;
  });
}

int noteClientHost(request_rec* r) {
  if (const char* host = apr_table_get(r->headers_in, "Host")) {
    apr_table_setn(r->notes, kClientHost, host);
  }
  return DECLINED;
}

DirConfig* dirOf(void* dir) { return static_cast<DirConfig*>(dir); }

}  // namespace

const char* setForwardTls(cmd_parms* cmd, void* dir, int on) {
  dirOf(dir)->forwardTls = on != 0;
  (void)cmd;
  return nullptr;
}

const char* setForwardTlsHeader(cmd_parms* cmd, void* dir, const char* fact, const char* header) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    DirConfig* d = dirOf(dir);
    if (!d->tlsHeaders.has_value()) {
      d->tlsHeaders = poolNew(cmd->pool, offload::HeaderNames::defaults());
    }
    common::Status st = (*d->tlsHeaders)->set(fact, header);
    if (!st.isOk()) {
      return apr_psprintf(cmd->pool, "FleetForwardTLSHeader %s %s: %s", fact, header, st.message().c_str());
    }
    return nullptr;
  });
}

const char* addTrustedProxy(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<offload::Cidr> c = offload::Cidr::parse(arg);
    if (!c.isOk()) {
      return apr_psprintf(cmd->pool, "FleetTrustedProxies: %s", c.status().message().c_str());
    }
    DirConfig* d = dirOf(dir);
    if (!d->trustedProxies.has_value()) {
      d->trustedProxies = poolNew(cmd->pool, offload::TrustedProxies());
    }
    (*d->trustedProxies)->add(c.value());
    return nullptr;
  });
}

const char* setHsts(cmd_parms* cmd, void* dir, const char* args) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    std::vector<std::string> words;
    for (const char* a = args; *a != '\0';) {
      const char* w = ap_getword_conf(cmd->temp_pool, &a);
      if (*w == '\0') break;
      words.emplace_back(w);
    }
    if (words.size() == 1 && common::toLower(words[0]) == "off") {
      dirOf(dir)->hsts = nullptr;
      return nullptr;
    }
    common::Result<std::string> v = offload::parseHsts(words);
    if (!v.isOk()) {
      return apr_psprintf(cmd->pool, "FleetHSTS %s: %s", args, v.status().message().c_str());
    }
    dirOf(dir)->hsts = apr_pstrdup(cmd->pool, v.value().c_str());
    return nullptr;
  });
}

const char* setRedirectHttps(cmd_parms* cmd, void* dir, const char* onOff, const char* code) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<bool> on = common::parseSwitch(onOff);
    if (!on.isOk()) {
      return apr_psprintf(cmd->pool, "FleetRedirectHTTPS: '%s' is not valid; accepted: on [code] or off", onOff);
    }
    int status = 308;
    if (code != nullptr) {
      if (!on.value()) return "FleetRedirectHTTPS off takes no status code";
      common::Result<int> c = offload::parseRedirectCode(code);
      if (!c.isOk()) return apr_psprintf(cmd->pool, "FleetRedirectHTTPS: %s", c.status().message().c_str());
      status = c.value();
    }
    dirOf(dir)->redirectCode = on.value() ? status : 0;
    return nullptr;
  });
}

const char* setRedirectPort(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> p = common::parseInteger(arg, 1, 65535);
    if (!p.isOk()) {
      return apr_psprintf(cmd->pool, "FleetRedirectHTTPSPort: '%s' is not valid; accepted: a port from 1 to 65535", arg);
    }
    dirOf(dir)->redirectPort = static_cast<int>(p.value());
    return nullptr;
  });
}

const char* addRedirectExempt(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    if (arg[0] != '/') {
      return apr_psprintf(cmd->pool, "FleetRedirectHTTPSExempt: '%s' is not valid; accepted: a path prefix starting with /", arg);
    }
    DirConfig* d = dirOf(dir);
    if (!d->redirectExempt.has_value()) {
      d->redirectExempt = apr_array_make(cmd->pool, 4, sizeof(const char*));
    }
    *static_cast<const char**>(apr_array_push(*d->redirectExempt)) = apr_pstrdup(cmd->pool, arg);
    return nullptr;
  });
}

void registerOffloadHooks() {
  ap_hook_post_read_request(noteClientHost, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_header_parser(redirectToHttps, nullptr, nullptr, APR_HOOK_FIRST);
  ap_hook_insert_filter(addHsts, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_insert_error_filter(addHsts, nullptr, nullptr, APR_HOOK_MIDDLE);
}

void registerOffloadProxyHooks() {
  APR_OPTIONAL_HOOK(proxy, fixups, onProxyFixups, nullptr, nullptr, APR_HOOK_MIDDLE);
}

}  // namespace fleet::glue
