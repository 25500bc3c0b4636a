#include "module/offload_glue.h"

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "module/config_glue.h"
#include "module/guard.h"
#include "module/proxy_api.h"
#include "module/request_context.h"
#include "module/tables.h"
#include "module/tls_connection.h"
#include "shared/common/parse.h"
#include "shared/offload/forward_plan.h"
#include "shared/offload/forwarded.h"
#include "shared/offload/https_policy.h"
#include "shared/offload/tls_facts.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

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

// A request mod_proxy will hand to a member: ProxyPass and RewriteRule [P] set proxyreq before
// fixups; SetHandler "proxy:fcgi://..." (the PHP-FPM way) only names the handler.
bool proxied(request_rec* r) {
  return r->proxyreq != PROXYREQ_NONE || (r->handler != nullptr && std::strncmp(r->handler, "proxy:", 6) == 0);
}

// The plan made for this request or the one it derives from (an internal redirect shares its
// headers, a subrequest copies them): planned once.
const offload::ForwardPlan* planOf(request_rec* r) {
  for (request_rec* q = r; q != nullptr; q = q->prev != nullptr ? q->prev : q->main) {
    RequestContext* ctx = findContext(q);
    if (ctx != nullptr && ctx->forward) return &*ctx->forward;
  }
  return nullptr;
}

bool proxyAddsHeaders(request_rec* r) {
  const ProxyApi& api = proxyApi();
  if (api.proxy == nullptr) return true;
  auto* pd = static_cast<proxy_dir_conf*>(ap_get_module_config(r->per_dir_config, api.proxy));
  return pd == nullptr || pd->add_forwarded_headers;
}

// Core fixups, last, for every proxied request whatever its scheme (http, fcgi, scgi, uwsgi,
// ajp, h2, ws): the client's copies of what mod_fleet tells members are removed, then mod_fleet's
// values set, before any scheme handler copies the headers.
int forwardClientFacts(request_rec* r) {
  return guarded<int>(r->server, "forwarded facts", DECLINED, [&] {
    if (!proxied(r) || planOf(r) != nullptr) return DECLINED;
    const DirConfig& d = dirConfig(r);
    offload::ForwardScope scope;
    if (d.forwardTls.value_or(false)) {
      scope = offload::ForwardScope::kTls;
    } else if (d.cacheOn.value_or(false)) {
      scope = offload::ForwardScope::kForwarding;
    } else {
      return DECLINED;
    }
    common::HeaderList headers = headerList(r->headers_in);
    offload::ForwardRequest req;
    req.headers = &headers;
    req.peerIp = r->connection->client_ip != nullptr ? r->connection->client_ip : "";
    req.clientIp = r->useragent_ip != nullptr ? r->useragent_ip : req.peerIp;
    if (const char* host = apr_table_get(r->headers_in, "Host")) req.host = host;
    req.serverName = r->server->server_hostname != nullptr ? r->server->server_hostname : "";
    req.https = isHttps(r);
    req.localPort = r->connection->local_addr != nullptr ? r->connection->local_addr->port : 0;
    req.proxyAddHeaders = proxyAddsHeaders(r);
    static const offload::StripRules kNoRules;
    offload::ForwardPlan plan = offload::planForward(
        req, scope, d.tlsHeaders.has_value() ? **d.tlsHeaders : defaultNames(),
        d.stripRules.has_value() ? **d.stripRules : kNoRules, d.trustedProxies.value_or(nullptr),
        [r](const char* name) -> std::optional<std::string> {
          const char* v = ap_ssl_var_lookup(r->pool, r->server, tlsConnection(r->connection), r, name);
          return v != nullptr && *v != '\0' ? std::optional<std::string>(v) : std::nullopt;
        });
    for (const std::string& name : plan.remove) apr_table_unset(r->headers_in, name.c_str());
    for (const auto& [k, v] : plan.set) {
      apr_table_set(r->headers_in, k.c_str(), v.c_str());
    }
    contextOf(r).forward = std::move(plan);
    return DECLINED;
  });
}

// Every attempt at a member, just before its scheme handler: X-Forwarded-For/-Host/-Server as
// that scheme needs them (mod_proxy_http and mod_proxy_http2 append their own entry; the
// CGI-like schemes and AJP add nothing).
int beforeSchemeHandler(request_rec* r, proxy_worker* worker, proxy_server_conf*, char*, const char*, apr_port_t) {
  return guarded<int>(r->server, "forwarded facts", DECLINED, [&] {
    const offload::ForwardPlan* plan = planOf(r);
    if (plan == nullptr || worker == nullptr || worker->s == nullptr) return DECLINED;
    for (const auto& [name, value] : offload::forwardedHeaders(*plan, worker->s->scheme)) {
      if (value.empty()) {
        apr_table_unset(r->headers_in, name.c_str());
      } else {
        apr_table_set(r->headers_in, name.c_str(), value.c_str());
      }
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

template <common::Status (offload::StripRules::*Op)(std::string_view)>
const char* addStripRule(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    DirConfig* d = dirOf(dir);
    if (!d->stripRules.has_value()) {
      d->stripRules = poolNew(cmd->pool, offload::StripRules());
    }
    common::Status st = ((**d->stripRules).*Op)(arg);
    if (!st.isOk()) return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, st.message().c_str());
    return nullptr;
  });
}

const char* addStripHeader(cmd_parms* cmd, void* dir, const char* arg) {
  return addStripRule<&offload::StripRules::add>(cmd, dir, arg);
}

const char* addKeepHeader(cmd_parms* cmd, void* dir, const char* arg) {
  return addStripRule<&offload::StripRules::keep>(cmd, dir, arg);
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
  // Last among fixups: mod_rewrite's per-directory [P] rules set proxyreq in their fixups.
  ap_hook_fixups(forwardClientFacts, nullptr, nullptr, APR_HOOK_LAST);
  ap_hook_header_parser(redirectToHttps, nullptr, nullptr, APR_HOOK_FIRST);
  ap_hook_insert_filter(addHsts, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_insert_error_filter(addHsts, nullptr, nullptr, APR_HOOK_MIDDLE);
}

void registerOffloadProxyHooks() {
  if (proxyApi().hookSchemeHandler != nullptr) {
    proxyApi().hookSchemeHandler(beforeSchemeHandler, nullptr, nullptr, APR_HOOK_REALLY_FIRST);
  }
}

}  // namespace fleet::glue
