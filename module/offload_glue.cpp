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

// A request mod_proxy will hand to a member: ProxyPass and RewriteRule [P] set proxyreq before
// fixups; SetHandler "proxy:fcgi://..." (the PHP-FPM way) only names the handler.
bool proxied(request_rec* r) {
  return r->proxyreq != PROXYREQ_NONE ||
         (r->handler != nullptr && std::strncmp(r->handler, "proxy:", 6) == 0);
}

// The plan made for this request or the one it derives from (an internal redirect shares its
// headers, a subrequest copies them): planned once.
const offload::ForwardPlan* planOf(request_rec* r) {
  for (request_rec* q = r; q != nullptr; q = q->prev != nullptr ? q->prev : q->main) {
    RequestContext* ctx = findContext(q);
    if (ctx != nullptr && ctx->forward) {
      return &*ctx->forward;
    }
  }
  return nullptr;
}

bool proxyAddsHeaders(request_rec* r) {
  const ProxyApi& api = proxyApi();
  if (api.proxy == nullptr) {
    return true;
  }
  auto* pd = static_cast<proxy_dir_conf*>(ap_get_module_config(r->per_dir_config, api.proxy));
  return pd == nullptr || pd->add_forwarded_headers;
}

}  // namespace

// Core fixups, last, for every proxied request whatever its scheme (http, fcgi, scgi, uwsgi,
// ajp, h2, ws): the client's copies of what mod_fleet tells members are removed, then mod_fleet's
// values set, before any scheme handler copies the headers.
int forwardClientFacts(request_rec* r) {
  return guarded<int>(r->server, "forwarded facts", DECLINED, [&] {
    if (!proxied(r) || planOf(r) != nullptr) {
      return DECLINED;
    }
    const DirConfig& d = dirConfig(r);
    offload::ForwardScope scope;
    if (d.flag(config::Id::kForwardTls)) {
      scope = offload::ForwardScope::kTls;
    } else if (d.flag(config::Id::kCache)) {
      scope = offload::ForwardScope::kForwarding;
    } else {
      return DECLINED;
    }
    common::HeaderList headers = headerList(r->headers_in);
    offload::ForwardRequest req;
    req.headers = &headers;
    req.peerIp = r->connection->client_ip != nullptr ? r->connection->client_ip : "";
    req.clientIp = r->useragent_ip != nullptr ? r->useragent_ip : req.peerIp;
    if (const char* host = apr_table_get(r->headers_in, "Host")) {
      req.host = host;
    }
    req.serverName = r->server->server_hostname != nullptr ? r->server->server_hostname : "";
    req.https = isHttps(r);
    req.localPort = r->connection->local_addr != nullptr ? r->connection->local_addr->port : 0;
    req.proxyAddHeaders = proxyAddsHeaders(r);
    static const offload::StripRules kNoRules;
    const auto* strip = d.object<offload::StripRules>(config::Id::kStripHeader);
    const auto* keep = d.object<offload::StripRules>(config::Id::kKeepHeader);
    offload::ForwardPlan plan = offload::planForward(
        req, scope, *d.object<offload::HeaderNames>(config::Id::kForwardTlsHeader),
        strip != nullptr ? *strip : kNoRules, keep != nullptr ? *keep : kNoRules,
        d.object<offload::TrustedProxies>(config::Id::kTrustedProxies),
        [r](const char* name) -> std::optional<std::string> {
          const char* v =
              ap_ssl_var_lookup(r->pool, r->server, tlsConnection(r->connection), r, name);
          return v != nullptr && *v != '\0' ? std::optional<std::string>(v) : std::nullopt;
        });
    for (const std::string& name : plan.remove) {
      apr_table_unset(r->headers_in, name.c_str());
    }
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
int beforeSchemeHandler(request_rec* r, proxy_worker* worker, proxy_server_conf*, char*,
                        const char*, apr_port_t) {
  return guarded<int>(r->server, "forwarded facts", DECLINED, [&] {
    const offload::ForwardPlan* plan = planOf(r);
    if (plan == nullptr || worker == nullptr || worker->s == nullptr) {
      return DECLINED;
    }
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
    if (r->main != nullptr || r->prev != nullptr) {
      return DECLINED;
    }
    const DirConfig& d = dirConfig(r);
    int code = static_cast<int>(d.number(config::Id::kRedirectHttps));
    if (code == 0 || isHttps(r)) {
      return DECLINED;
    }
    const auto* exempt = d.object<std::vector<std::string>>(config::Id::kRedirectHttpsExempt);
    if (exempt != nullptr && offload::exempt(*exempt, r->uri != nullptr ? r->uri : "")) {
      return DECLINED;
    }
    const char* host = apr_table_get(r->headers_in, "Host");
    std::string location = offload::httpsLocation(
        host != nullptr ? host : "",
        r->server->server_hostname ? r->server->server_hostname : "localhost",
        static_cast<int>(d.number(config::Id::kRedirectHttpsPort)),
        r->unparsed_uri != nullptr ? r->unparsed_uri : "/");
    apr_table_setn(r->headers_out, "Location", apr_pstrdup(r->pool, location.c_str()));
    return code;
  });
}

void addHsts(request_rec* r) {
  guarded<int>(r->server, "HSTS", 0, [&] {
    const DirConfig& d = dirConfig(r);
    const auto* hsts = d.object<std::string>(config::Id::kHsts);
    if (hsts != nullptr && isHttps(r)) {
      apr_table_setn(r->err_headers_out, "Strict-Transport-Security", hsts->c_str());
    }
    return 0;
  });
}

}  // namespace fleet::glue
