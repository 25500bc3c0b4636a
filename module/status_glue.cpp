// The status page, its actions and the server-status section in httpd: httpd's balancers and
// workers and the shared records read into shared/status's views, which render them.
#include "module/status_glue.h"

#include <cstring>
#include <map>
#include <optional>
#include <string_view>

#include "module/cache_glue.h"
#include "module/config_glue.h"
#include "module/guard.h"
#include "module/health_config_glue.h"
#include "module/member_table_glue.h"
#include "module/proxy_api.h"
#include "module/tls_connection.h"
#include "shared/common/clock.h"
#include "shared/common/parse.h"
#include "shared/status/actions.h"
#include "shared/status/model.h"
#include "shared/status/page_access.h"
#include "shared/status/pages.h"
#include "shared/status/readers.h"

extern "C" {
#include "http_ssl.h"
#include "mod_status.h"
#include "util_script.h"
}

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using status::HealthView;

std::vector<status::BalancerView> collect(request_rec* r) {
  std::vector<status::BalancerView> out;
  const ProxyApi& api = proxyApi();
  if (api.proxy == nullptr) {
    return out;
  }
  auto* conf =
      static_cast<proxy_server_conf*>(ap_get_module_config(r->server->module_config, api.proxy));
  if (conf == nullptr) {
    return out;
  }
  auto* balancers = reinterpret_cast<proxy_balancer*>(conf->balancers->elts);
  int64_t now = common::SteadyClock().nowMicros();
  for (int i = 0; i < conf->balancers->nelts; ++i) {
    proxy_balancer* b = &balancers[i];
    if (b->s == nullptr) {
      continue;
    }
    // Members added from balancer-manager reach this child's copy of the balancer only when it
    // syncs; do it now (as balancer-manager's own page does) so every child reports the same.
    if (PROXY_THREAD_LOCK(b) == APR_SUCCESS) {
      api.syncBalancer(b, r->server, conf);
      PROXY_THREAD_UNLOCK(b);
    }
    status::BalancerView bv;
    bv.name = b->s->name;
    bv.lbmethod = b->s->lbpname;
    const DirConfig* section = balancerSection(conf, b);
    lb::HealthConfig hc = section != nullptr ? section->health() : DirConfig().health();
    bv.settings = status::describeSettings(hc);
    if (const resilience::BalancerState* rs = balancerState(b)) {
      bv.resilience = status::readBalancerState(*rs);
    }
    auto** workers = reinterpret_cast<proxy_worker**>(b->workers->elts);
    for (int j = 0; j < b->workers->nelts; ++j) {
      proxy_worker* w = workers[j];
      status::MemberView mv;
      mv.name = w->s->name_ex;
      mv.route = w->s->route;
      mv.flags = api.parseWstatus(r->pool, w);
      mv.usable = PROXY_WORKER_IS_USABLE(w);
      mv.drained = (w->s->status & PROXY_WORKER_DRAIN) != 0;
      mv.disabled = (w->s->status & PROXY_WORKER_DISABLED) != 0;
      mv.hcFailed = (w->s->status & PROXY_WORKER_HC_FAIL) != 0;
      mv.weight = static_cast<uint32_t>(w->s->lbfactor);
      mv.elected = static_cast<uint64_t>(w->s->elected);
      lb::MemberSlot* slot = slotFor(b, w);
      if (slot != nullptr) {
        status::readMemberSlot(*slot, hc, now, &mv);
        status::readDiscovery(*slot, apr_time_now(), &mv);
      }
      mv.lbset = static_cast<uint32_t>(w->s->lbset);
      health::ProbeSpec spec = healthProbeSpec(w->s->method);
      if (spec.method != health::ProbeMethod::kNone) {
        HealthView& h = mv.health;
        h.checked = true;
        h.method = health::probeMethodName(spec);
        h.intervalMicros = w->s->interval;
        h.failing = (w->s->status & PROXY_WORKER_HC_FAIL) != 0;
        if (slot != nullptr) {
          status::readHealthRecord(*slot, apr_time_now(), &h);
        }
      }
      bv.members.push_back(std::move(mv));
    }
    out.push_back(std::move(bv));
  }
  return out;
}

status::CheckerView checkerView() {
  health::CheckerControl* c = checkerControl();
  return c != nullptr ? status::readChecker(*c, common::SteadyClock().nowMicros(), apr_time_now())
                      : status::CheckerView();
}

// The cache's view, or false when no cache is configured.
bool cacheView(server_rec* s, status::CacheView* view) {
  std::vector<std::string> servers = cacheServerNames(s);
  cache::CacheShared* cs = cacheShared();
  if (cs == nullptr || servers.empty()) {
    return false;
  }
  *view = status::readCache(*cs, servers);
  return true;
}

std::string g_secret;  // per generation, inherited by every child: the action tokens' HMAC key

// This virtual host's names as the Host header may give them (ServerName, ServerAlias).
std::vector<std::string> hostNames(server_rec* s) {
  std::vector<std::string> out;
  if (s->server_hostname != nullptr) {
    out.emplace_back(s->server_hostname);
  }
  for (apr_array_header_t* list : {s->names, s->wild_names}) {
    if (list == nullptr) {
      continue;
    }
    auto** names = reinterpret_cast<char**>(list->elts);
    for (int i = 0; i < list->nelts; ++i) {
      out.emplace_back(names[i]);
    }
  }
  return out;
}

bool hostAllowed(request_rec* r) {
  const char* host = apr_table_get(r->headers_in, "Host");
  return status::hostAllowed(host != nullptr ? host : "", hostNames(r->server),
                             r->connection->local_ip != nullptr ? r->connection->local_ip : "");
}

std::string tokenScope(request_rec* r) {
  return r->server->server_hostname != nullptr ? r->server->server_hostname : "";
}

std::string randomHex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (apr_generate_random_bytes(raw.data(), raw.size()) != APR_SUCCESS) {
    return "";
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The browser's token cookie, set now when it has none.
std::string tokenCookie(request_rec* r) {
  const char* header = apr_table_get(r->headers_in, "Cookie");
  std::string cookie = status::tokenCookie(header != nullptr ? header : "");
  if (cookie.empty()) {
    cookie = randomHex(16);
    bool https = isHttps(r);
    apr_table_addn(r->headers_out, "Set-Cookie",
                   apr_psprintf(r->pool, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
                                status::kTokenCookie, cookie.c_str(), https ? "; Secure" : ""));
  }
  return cookie;
}

std::string queryValue(request_rec* r, const char* key) {
  return status::queryValue(r->args != nullptr ? r->args : "", key);
}

// The page's own origin as a browser would send it in Origin.
std::string ownOrigin(request_rec* r) {
  bool https = isHttps(r);
  const char* host = apr_table_get(r->headers_in, "Host");
  return std::string(https ? "https://" : "http://") + (host ? host : "");
}

bool sameOrigin(request_rec* r) {
  auto header = [&](const char* name) -> std::optional<std::string_view> {
    const char* v = apr_table_get(r->headers_in, name);
    return v != nullptr ? std::optional<std::string_view>(v) : std::nullopt;
  };
  return status::sameOrigin(ownOrigin(r), header("Origin"), header("Referer"));
}

// A member's balancer-manager edit, through mod_proxy_balancer's own balancer_manage (so the
// change reaches every child as a manager edit does).
std::string manage(request_rec* r, const std::string& balancer, const std::string& member,
                   const char* key, const std::string& value) {
  static APR_OPTIONAL_FN_TYPE(balancer_manage)* fn = APR_RETRIEVE_OPTIONAL_FN(balancer_manage);
  if (fn == nullptr) {
    return "failed: mod_proxy_balancer's balancer_manage is not available";
  }
  apr_table_t* params = apr_table_make(r->pool, 4);
  apr_table_set(params, "b", std::string(status::shortBalancerName(balancer)).c_str());
  apr_table_set(params, "w", member.c_str());
  apr_table_set(params, key, value.c_str());
  return fn(r, params) == APR_SUCCESS ? "" : "failed: no such balancer or member";
}

std::string resetEjection(request_rec* r, const std::string& balancer, const std::string& member) {
  lb::MemberSlot* slot = slotForName(balancer.c_str(), member.c_str());
  if (slot == nullptr) {
    return "failed: no such member";
  }
  lb::resetEjection(*slot);
  FLEET_LOG_R(APLOG_NOTICE, 0, r, 00023, "ejection of %s in %s reset from the status page",
              member.c_str(), balancer.c_str());
  return "";
}

int handleAction(request_rec* r) {
  if (!sameOrigin(r)) {
    return HTTP_FORBIDDEN;
  }
  apr_array_header_t* pairs = nullptr;
  if (ap_parse_form_data(r, nullptr, &pairs, 16, 8192) != OK || pairs == nullptr) {
    return HTTP_BAD_REQUEST;
  }
  std::map<std::string, std::string> form;
  while (pairs->nelts > 0) {
    auto* pair = static_cast<ap_form_pair_t*>(apr_array_pop(pairs));
    apr_off_t len = 0;
    apr_brigade_length(pair->value, 1, &len);
    if (len < 0 || len > 4096) {
      return HTTP_BAD_REQUEST;
    }
    std::string v(static_cast<size_t>(len), '\0');
    apr_size_t size = static_cast<apr_size_t>(len);
    apr_brigade_flatten(pair->value, v.data(), &size);
    form[pair->name] = v.substr(0, size);
  }
  const char* cookieHeader = apr_table_get(r->headers_in, "Cookie");
  std::string cookie = status::tokenCookie(cookieHeader != nullptr ? cookieHeader : "");
  if (!status::actionTokenMatches(g_secret, tokenScope(r), cookie, form["nonce"])) {
    return HTTP_FORBIDDEN;
  }
  common::Result<status::Action> planned = status::planAction(form);
  if (!planned.isOk() && planned.status().code() == common::Code::kNotFound) {
    return HTTP_BAD_REQUEST;
  }
  std::string err, done;
  if (!planned.isOk()) {
    err = "failed: " + planned.status().message();
  } else {
    const status::Action& a = planned.value();
    done = a.done;
    switch (a.kind) {
      case status::Action::Kind::kManage:
        err = manage(r, a.balancer, a.member, a.managerKey.c_str(), a.managerValue);
        break;
      case status::Action::Kind::kResetEjection:
        err = resetEjection(r, a.balancer, a.member);
        break;
      case status::Action::Kind::kPurge:
        done = purgeFromStatusPage(r, a.value);
        break;
    }
  }
  std::string location =
      status::actionRedirect(r->uri != nullptr ? r->uri : "/", err.empty() ? done : err);
  apr_table_setn(r->headers_out, "Location", apr_pstrdup(r->pool, location.c_str()));
  return HTTP_SEE_OTHER;
}

}  // namespace

void prepareStatusSecret(apr_pool_t*) { g_secret = randomHex(32); }

int statusHandler(request_rec* r) {
  if (r->handler == nullptr || std::strcmp(r->handler, "fleet-status") != 0) {
    return DECLINED;
  }
  return guarded<int>(r->server, "fleet-status handler", HTTP_INTERNAL_SERVER_ERROR, [&] {
    // Only under this virtual host's own names: a rebound attacker domain gets nothing to read
    // and nothing to do.
    if (!hostAllowed(r)) {
      return HTTP_MISDIRECTED_REQUEST;
    }
    if (r->method_number == M_POST) {
      return handleAction(r);
    }
    if (r->method_number != M_GET) {
      return HTTP_METHOD_NOT_ALLOWED;
    }
    std::vector<status::BalancerView> balancers = collect(r);
    status::CheckerView checker = checkerView();
    status::CacheView cache;
    bool hasCache = cacheView(r->server, &cache);
    std::string format = queryValue(r, "format");
    std::string body;
    if (format == "json") {
      body = status::renderJson(balancers, &checker, hasCache ? &cache : nullptr);
      ap_set_content_type(r, "application/json");
    } else if (format == "prometheus") {
      body = status::renderPrometheus(balancers, &checker, hasCache ? &cache : nullptr);
      ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    } else if (format.empty() || format == "html") {
      status::PageOptions o;
      o.actionUrl = r->uri;
      o.nonce = status::actionToken(g_secret, tokenScope(r), tokenCookie(r));
      o.notice = queryValue(r, "notice");
      common::Result<int64_t> refresh = common::parseInteger(queryValue(r, "refresh"), 1, 3600);
      o.refreshSeconds = refresh.isOk() ? static_cast<int>(refresh.value()) : 0;
      body = status::renderHtml(balancers, &checker, hasCache ? &cache : nullptr, o);
      ap_set_content_type(r, "text/html; charset=utf-8");
      // The page may not be framed (clickjacking of its buttons) nor run any script.
      apr_table_setn(r->headers_out, "X-Frame-Options", "DENY");
      apr_table_setn(r->headers_out, "Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                     "frame-ancestors 'none'");
    } else {
      return HTTP_BAD_REQUEST;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_rwrite(body.data(), static_cast<int>(body.size()), r);
    return OK;
  });
}

namespace {}  // namespace

int serverStatusSection(request_rec* r, int flags) {
  return guarded<int>(r->server, "server-status section", OK, [&] {
    std::vector<status::BalancerView> balancers = collect(r);
    if (flags & AP_STATUS_SHORT) {
      for (const status::BalancerView& b : balancers) {
        std::string shortName(status::shortBalancerName(b.name));
        ap_rprintf(r,
                   "FleetBalancer.%s: method=%s members=%d retries=%" APR_UINT64_T_FMT
                   " queue_depth=%u\n",
                   shortName.c_str(), b.lbmethod.c_str(), static_cast<int>(b.members.size()),
                   b.resilience.retries, b.resilience.queueDepth);
        for (size_t i = 0; i < b.members.size(); ++i) {
          const status::MemberView& m = b.members[i];
          std::string id = m.route.empty() ? std::to_string(i) : m.route;
          ap_rprintf(r,
                     "FleetMember.%s.%s: usable=%d inflight=%" APR_INT64_T_FMT
                     " requests=%" APR_UINT64_T_FMT " failures=%" APR_UINT64_T_FMT
                     " latency_us=%" APR_INT64_T_FMT " ejected=%d hcfail=%d\n",
                     shortName.c_str(), id.c_str(), m.usable ? 1 : 0, m.inflight, m.requests,
                     m.failures, static_cast<int64_t>(m.latencyMicros < 0 ? -1 : m.latencyMicros),
                     m.ejected ? 1 : 0, m.hcFailed ? 1 : 0);
        }
      }
      status::CacheView cache;
      if (cacheView(r->server, &cache)) {
        ap_rprintf(r,
                   "FleetCache: hits=%" APR_UINT64_T_FMT " misses=%" APR_UINT64_T_FMT
                   " stores=%" APR_UINT64_T_FMT " stale_served=%" APR_UINT64_T_FMT "\n",
                   cache.hits, cache.misses, cache.stores, cache.staleServed);
      }
      status::CheckerView checker = checkerView();
      ap_rprintf(r, "FleetChecker: pid=%u members=%u\n", checker.pid, checker.members);
      return OK;
    }
    status::PageOptions o;
    o.actions = false;
    ap_rputs("<hr><h2>mod_fleet</h2>\n", r);
    std::string tables = status::renderBalancerTables(balancers, o);
    ap_rwrite(tables.data(), static_cast<int>(tables.size()), r);
    return OK;
  });
}

}  // namespace fleet::glue
