#include "module/config_glue.h"

#include "module/health_glue.h"
#include "module/offload_glue.h"
#include "module/cache_glue.h"

#include <algorithm>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "module/guard.h"
#include "shared/common/parse.h"
#include "shared/cache/store.h"
#include "shared/config/messages.h"
#include "shared/lb/maglev.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

std::vector<std::string> lbmethodNames(apr_pool_t* p) {
  std::vector<std::string> names;
  apr_array_header_t* list = ap_list_provider_names(p, PROXY_LBMETHOD, "0");
  if (list != nullptr) {
    auto* e = reinterpret_cast<ap_list_provider_names_t*>(list->elts);
    for (int i = 0; i < list->nelts; ++i) {
      names.emplace_back(e[i].provider_name);
    }
  }
  return names;
}

// Runs before mod_proxy's handler of the same directive (later-loaded modules are asked first
// and DECLINE_CMD passes the directive on). It only checks lbmethod=; mod_proxy does the rest.
const char* checkLbmethod(cmd_parms* cmd, void*, const char* args) {
  return guarded<const char*>(cmd->server, "lbmethod check", DECLINE_CMD, [&]() -> const char* {
    std::string value;
    if (!config::findKeyValue(args, "lbmethod", &value)) {
      return DECLINE_CMD;
    }
    if (ap_lookup_provider(PROXY_LBMETHOD, value.c_str(), "0") != nullptr) {
      return DECLINE_CMD;
    }
    std::string msg = config::unknownChoice(cmd->cmd->name, "lbmethod", value,
                                            lbmethodNames(cmd->temp_pool));
    return apr_pstrdup(cmd->pool, msg.c_str());
  });
}

// Flags.
template <std::optional<bool> DirConfig::*Field>
const char* setFlag(cmd_parms* cmd, void* dir, int on) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    static_cast<DirConfig*>(dir)->*Field = on != 0;
    return nullptr;
  });
}

// Durations ("250ms", "10s"): `min` is the smallest accepted value in microseconds.
template <std::optional<int64_t> DirConfig::*Field, int64_t Min>
const char* setDuration(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> v = common::parseDurationMicros(arg);
    if (!v.isOk()) {
      return apr_pstrdup(cmd->pool, config::badValue(cmd->cmd->name, v.status().message()).c_str());
    }
    if (v.value() < Min) {
      return apr_psprintf(cmd->pool, "%s: '%s' is too short; accepted: %s or more", cmd->cmd->name,
                          arg, common::formatDurationMicros(Min).c_str());
    }
    static_cast<DirConfig*>(dir)->*Field = v.value();
    return nullptr;
  });
}

// Whole numbers within [Min, Max], or exactly 0 when ZeroOk (0 = off).
template <std::optional<uint32_t> DirConfig::*Field, int64_t Min, int64_t Max, bool ZeroOk>
const char* setNumber(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> v = common::parseInteger(arg, ZeroOk ? 0 : Min, Max);
    if (!v.isOk() || (ZeroOk && v.value() != 0 && v.value() < Min)) {
      std::string accepted = (ZeroOk ? "0 (off) or " : std::string()) + "a whole number from " +
                             std::to_string(Min) + " to " + std::to_string(Max);
      return apr_psprintf(cmd->pool, "%s: '%s' is not valid; accepted: %s", cmd->cmd->name, arg,
                          accepted.c_str());
    }
    static_cast<DirConfig*>(dir)->*Field = static_cast<uint32_t>(v.value());
    return nullptr;
  });
}

const char* setHashKey(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    const char* err = nullptr;
    ap_expr_info_t* expr = ap_expr_parse_cmd(cmd, arg, AP_EXPR_FLAG_STRING_RESULT, &err, nullptr);
    if (err != nullptr) {
      return apr_psprintf(cmd->pool,
                          "FleetHashKey: '%s' is not a valid expression (%s); accepted: an ap_expr "
                          "string such as \"%%{HTTP:X-User-Id}\", \"%%{REQUEST_URI}\" or "
                          "\"%%{REMOTE_ADDR}\"", arg, err);
    }
    static_cast<DirConfig*>(dir)->hashKey = expr;
    return nullptr;
  });
}

const char* setTableSize(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<uint32_t> v = lb::parseTableSize(arg);
    if (!v.isOk()) {
      return apr_pstrdup(cmd->pool, config::badValue(cmd->cmd->name, v.status().message()).c_str());
    }
    static_cast<DirConfig*>(dir)->hashTableSize = v.value();
    return nullptr;
  });
}

const char* setCacheMaxObject(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<uint64_t> v = common::parseSizeBytes(arg);
    if (!v.isOk() || v.value() == 0) {
      return apr_psprintf(cmd->pool, "FleetCacheMaxObjectSize: '%s' is not valid; accepted: a size "
                          "such as 512k, 10M or 1G", arg);
    }
    static_cast<DirConfig*>(dir)->cacheMaxObject = v.value();
    return nullptr;
  });
}

// Durations stored as whole seconds (HTTP's unit).
template <std::optional<int64_t> DirConfig::*Field>
const char* setCacheSeconds(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> v = common::parseDurationMicros(arg);
    if (!v.isOk()) {
      return apr_pstrdup(cmd->pool, config::badValue(cmd->cmd->name, v.status().message()).c_str());
    }
    static_cast<DirConfig*>(dir)->*Field = v.value() / 1000000;
    return nullptr;
  });
}

const char* setCacheStatuses(cmd_parms* cmd, void* dir, const char* args) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    std::vector<std::string> words;
    for (const char* a = args; *a != '\0';) {
      const char* w = ap_getword_conf(cmd->temp_pool, &a);
      if (*w == '\0') break;
      words.emplace_back(w);
    }
    common::Result<cache::StatusSet> set = cache::StatusSet::parse(words);
    if (!set.isOk()) {
      return apr_psprintf(cmd->pool, "FleetCacheStatuses: %s", set.status().message().c_str());
    }
    static_cast<DirConfig*>(dir)->cacheStatuses = set.value();
    return nullptr;
  });
}

const char* setCacheTargetedField(cmd_parms* cmd, void* dir, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    std::string v = common::toLower(arg);
    if (v == "off" || v == "none") {
      static_cast<DirConfig*>(dir)->cacheTargetedField = std::string_view();
      return nullptr;
    }
    for (const char* c = arg; *c != '\0'; ++c) {
      bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-';
      if (!ok || c - arg >= 64) {
        return apr_psprintf(cmd->pool, "FleetCacheTargetedField: '%s' is not valid; accepted: a header name "
                            "(letters, digits, '-', at most 64) or off", arg);
      }
    }
    static_cast<DirConfig*>(dir)->cacheTargetedField = std::string_view(apr_pstrdup(cmd->pool, arg));
    return nullptr;
  });
}

// Server-wide cache settings (module/cache_glue.h's CacheGlobals).
const char* setCacheServers(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
    common::Result<std::vector<std::pair<std::string, int>>> s = cache::parseServers(arg);
    if (!s.isOk()) return apr_psprintf(cmd->pool, "FleetCacheServers: %s", s.status().message().c_str());
    cacheGlobals(cmd->pool).servers = arg;
    return nullptr;
  });
}

const char* setCacheTimeout(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> v = common::parseDurationMicros(arg);
    if (!v.isOk() || v.value() < 1000 || v.value() > 10000000) {
      return apr_psprintf(cmd->pool, "FleetCacheTimeout: '%s' is not valid; accepted: 1ms to 10s, e.g. 100ms", arg);
    }
    cacheGlobals(cmd->pool).timeoutMicros = v.value();
    return nullptr;
  });
}

const char* setCacheRetry(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> v = common::parseDurationMicros(arg);
    if (!v.isOk() || v.value() < 100000) {
      return apr_psprintf(cmd->pool, "FleetCacheRetry: '%s' is not valid; accepted: 100ms or more, e.g. 5s", arg);
    }
    cacheGlobals(cmd->pool).retryMicros = v.value();
    return nullptr;
  });
}

const char* setCacheLocalSize(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
    common::Result<uint64_t> v = common::parseSizeBytes(arg);
    if (!v.isOk()) {
      return apr_psprintf(cmd->pool, "FleetCacheLocalSize: '%s' is not valid; accepted: a size such as "
                          "16M, or 0 (off)", arg);
    }
    cacheGlobals(cmd->pool).localBytes = v.value();
    return nullptr;
  });
}

const char* setCacheQuickHandler(cmd_parms* cmd, void*, int on) {
  if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
  cacheGlobals(cmd->pool).quick = on != 0;
  return nullptr;
}

template <typename T>
void inherit(std::optional<T>& merged, const std::optional<T>& add) {
  if (add.has_value()) {
    merged = add;
  }
}

}  // namespace

lb::HealthConfig DirConfig::health() const {
  lb::HealthConfig h;
  h.consecutiveFailures = outlierConsecutive.value_or(h.consecutiveFailures);
  h.baseEjectionMicros = outlierBase.value_or(h.baseEjectionMicros);
  h.maxEjectionMicros = std::max(outlierMax.value_or(h.maxEjectionMicros), h.baseEjectionMicros);
  h.maxEjectedPercent = outlierMaxPercent.value_or(h.maxEjectedPercent);
  h.slowStartMicros = slowStart.value_or(h.slowStartMicros);
  h.panicPercent = panicPercent.value_or(h.panicPercent);
  return h;
}

cache::CacheSettings DirConfig::cacheSettings() const {
  cache::CacheSettings s;
  s.limits.defaultStaleWhileRevalidate = cacheSwr.value_or(0);
  s.limits.defaultStaleIfError = cacheSie.value_or(0);
  if (cacheStatuses) s.limits.statuses = *cacheStatuses;
  if (cacheTargetedField) s.limits.targetedField = *cacheTargetedField;
  s.limits.cdnCacheControl = cacheCdnControl.value_or(true);
  s.maxObjectBytes = cacheMaxObject.value_or(s.maxObjectBytes);
  s.lockWaitMicros = cacheLockWait.value_or(s.lockWaitMicros);
  s.purge = cachePurge.value_or(false);
  s.softPurge = cacheSoftPurge.value_or(false);
  s.hitForMissSeconds = cacheHitForMiss.value_or(s.hitForMissSeconds);
  return s;
}

// DirConfig holds only trivially destructible values, so it lives in pool memory with nothing to
// clean up: httpd merges section configs on every request, and a C++ new plus a pool cleanup per
// merge was measurable.
static_assert(std::is_trivially_destructible_v<DirConfig>, "DirConfig lives in pool memory");

void* createDirConfig(apr_pool_t* p, char*) {
  return guarded<void*>(nullptr, "create_dir_config", nullptr,
                        [&]() -> void* { return new (apr_palloc(p, sizeof(DirConfig))) DirConfig(); });
}

void* mergeDirConfig(apr_pool_t* p, void* base, void* add) {
  return guarded<void*>(nullptr, "merge_dir_config", nullptr, [&]() -> void* {
    const auto* a = static_cast<const DirConfig*>(add);
    auto* m = new (apr_palloc(p, sizeof(DirConfig))) DirConfig(*static_cast<const DirConfig*>(base));
    inherit(m->decisionHeader, a->decisionHeader);
    inherit(m->decisionNote, a->decisionNote);
    inherit(m->ewmaDecay, a->ewmaDecay);
    inherit(m->ewmaPenalty, a->ewmaPenalty);
    inherit(m->hashKey, a->hashKey);
    inherit(m->hashTableSize, a->hashTableSize);
    inherit(m->balanceFactor, a->balanceFactor);
    inherit(m->slowStart, a->slowStart);
    inherit(m->outlierConsecutive, a->outlierConsecutive);
    inherit(m->outlierBase, a->outlierBase);
    inherit(m->outlierMax, a->outlierMax);
    inherit(m->outlierMaxPercent, a->outlierMaxPercent);
    inherit(m->panicPercent, a->panicPercent);
    inherit(m->forwardTls, a->forwardTls);
    inherit(m->tlsHeaders, a->tlsHeaders);
    inherit(m->trustedProxies, a->trustedProxies);
    inherit(m->stripRules, a->stripRules);
    inherit(m->hsts, a->hsts);
    inherit(m->redirectCode, a->redirectCode);
    inherit(m->redirectPort, a->redirectPort);
    inherit(m->redirectExempt, a->redirectExempt);
    inherit(m->cacheOn, a->cacheOn);
    inherit(m->cacheMaxObject, a->cacheMaxObject);
    inherit(m->cacheSwr, a->cacheSwr);
    inherit(m->cacheSie, a->cacheSie);
    inherit(m->cacheLockWait, a->cacheLockWait);
    inherit(m->cachePurge, a->cachePurge);
    inherit(m->cacheStatuses, a->cacheStatuses);
    inherit(m->cacheTargetedField, a->cacheTargetedField);
    inherit(m->cacheCdnControl, a->cacheCdnControl);
    inherit(m->cacheSoftPurge, a->cacheSoftPurge);
    inherit(m->cacheHitForMiss, a->cacheHitForMiss);
    return m;
  });
}

const DirConfig& dirConfig(request_rec* r) {
  static const DirConfig kDefaults;
  const auto* d = static_cast<const DirConfig*>(ap_get_module_config(r->per_dir_config, &fleet_module));
  return d != nullptr ? *d : kDefaults;
}

#define FLEET_LBMETHOD_CHECK(name) \
  AP_INIT_RAW_ARGS(name, asCmdFunc(checkLbmethod), nullptr, \
                   RSRC_CONF | ACCESS_CONF | OR_ALL, "checked by mod_fleet, then mod_proxy")

const command_rec kCommands[] = {
    FLEET_LBMETHOD_CHECK("ProxySet"),
    FLEET_LBMETHOD_CHECK("ProxyPass"),
    FLEET_LBMETHOD_CHECK("ProxyPassMatch"),
    FLEET_LBMETHOD_CHECK("<Proxy"),
    FLEET_LBMETHOD_CHECK("<ProxyMatch"),
#define FLEET_TAKE1(name, fn, help) \
  AP_INIT_TAKE1(name, asCmdFunc(fn), nullptr, RSRC_CONF | ACCESS_CONF, help)
    AP_INIT_FLAG("FleetDecisionHeader", asCmdFunc(setFlag<&DirConfig::decisionHeader>), nullptr,
                 RSRC_CONF | ACCESS_CONF,
                 "On adds X-Fleet-Decision (why this member was chosen) to proxied responses; "
                 "default Off"),
    AP_INIT_FLAG("FleetDecisionNote", asCmdFunc(setFlag<&DirConfig::decisionNote>), nullptr,
                 RSRC_CONF | ACCESS_CONF,
                 "On records why each member was chosen in the request note FLEET_DECISION "
                 "(LogFormat %{FLEET_DECISION}n); default Off"),
    FLEET_TAKE1("FleetEwmaDecay", (setDuration<&DirConfig::ewmaDecay, 1000>),
                "ewma: time constant of the latency average, e.g. 10s (default)"),
    FLEET_TAKE1("FleetEwmaPenalty", (setDuration<&DirConfig::ewmaPenalty, 1000>),
                "ewma: latency recorded for an error answer or failed attempt, e.g. 500ms (default)"),
    FLEET_TAKE1("FleetHashKey", setHashKey,
                "maglev: ap_expr string hashed to pick the member; default the client address"),
    FLEET_TAKE1("FleetHashTableSize", setTableSize,
                "maglev: lookup table size, a prime >= 100 x members; default 65537"),
    FLEET_TAKE1("FleetHashBalanceFactor", (setNumber<&DirConfig::balanceFactor, 100, 10000, true>),
                "maglev: no member above this percent of its share of requests in flight; 0 = off "
                "(default)"),
    FLEET_TAKE1("FleetSlowStart", (setDuration<&DirConfig::slowStart, 0>),
                "ramp a returning member's weight from 10% to full over this time; 0 = off (default)"),
    FLEET_TAKE1("FleetOutlierConsecutive",
                (setNumber<&DirConfig::outlierConsecutive, 1, 1000, true>),
                "eject a member after this many 5xx answers or failures in a row; 0 = off; default 5"),
    FLEET_TAKE1("FleetOutlierBaseTime", (setDuration<&DirConfig::outlierBase, 1000>),
                "first ejection time, doubled for each repeated ejection; default 30s"),
    FLEET_TAKE1("FleetOutlierMaxTime", (setDuration<&DirConfig::outlierMax, 1000>),
                "longest ejection time; default 300s"),
    FLEET_TAKE1("FleetOutlierMaxPercent",
                (setNumber<&DirConfig::outlierMaxPercent, 0, 100, false>),
                "at most this percent of a balancer's members ejected at once (at least one); "
                "default 10"),
    FLEET_TAKE1("FleetPanicThreshold", (setNumber<&DirConfig::panicPercent, 0, 100, false>),
                "below this percent of healthy members, ignore ejections and use every usable "
                "member; default 50"),
    AP_INIT_FLAG("FleetForwardTLS", asCmdFunc(setForwardTls), nullptr, RSRC_CONF | ACCESS_CONF,
                 "On tells members the client's TLS facts (X-Forwarded-Proto/Port, Forwarded, client "
                 "certificate) from mod_ssl, after removing any copies the client sent; default Off"),
    AP_INIT_TAKE2("FleetForwardTLSHeader", asCmdFunc(setForwardTlsHeader), nullptr,
                  RSRC_CONF | ACCESS_CONF,
                  "FleetForwardTLSHeader <fact> <Header-Name>|off: rename or turn off one forwarded "
                  "fact (proto, port, forwarded, client-verify, client-subject, client-issuer, "
                  "client-serial, client-not-after, client-sha256, client-cert, client-cert-chain, "
                  "tls-protocol, tls-cipher, tls-sni)"),
    AP_INIT_ITERATE("FleetTrustedProxies", asCmdFunc(addTrustedProxy), nullptr,
                    RSRC_CONF | ACCESS_CONF,
                    "addresses or networks (10.0.0.0/8, 2001:db8::/32) whose X-Forwarded-For and "
                    "Forwarded chains are kept; from anyone else they are replaced"),
    AP_INIT_ITERATE("FleetStripHeader", asCmdFunc(addStripHeader), nullptr, RSRC_CONF | ACCESS_CONF,
                    "client request headers never passed to members, besides mod_fleet's own list: "
                    "names or prefixes ending in '*' (matched with '_' and '.' read as '-')"),
    AP_INIT_ITERATE("FleetKeepHeader", asCmdFunc(addKeepHeader), nullptr, RSRC_CONF | ACCESS_CONF,
                    "client request headers passed to members although mod_fleet's list names them"),
    AP_INIT_RAW_ARGS("FleetHSTS", asCmdFunc(setHsts), nullptr, RSRC_CONF | ACCESS_CONF,
                     "FleetHSTS max-age=<seconds> [includeSubDomains] [preload]: "
                     "Strict-Transport-Security on HTTPS responses; FleetHSTS off"),
    AP_INIT_TAKE12("FleetRedirectHTTPS", asCmdFunc(setRedirectHttps), nullptr,
                   RSRC_CONF | ACCESS_CONF,
                   "FleetRedirectHTTPS on [301|302|303|307|308]: send plain-HTTP requests to HTTPS "
                   "(308 by default), keeping path and query; off"),
    AP_INIT_TAKE1("FleetRedirectHTTPSPort", asCmdFunc(setRedirectPort), nullptr,
                  RSRC_CONF | ACCESS_CONF, "the HTTPS port redirects point to; default 443"),
    AP_INIT_ITERATE("FleetRedirectHTTPSExempt", asCmdFunc(addRedirectExempt), nullptr,
                    RSRC_CONF | ACCESS_CONF,
                    "path prefixes never redirected, e.g. /.well-known/acme-challenge/ /healthz"),
    AP_INIT_FLAG("FleetCache", asCmdFunc(setFlag<&DirConfig::cacheOn>), nullptr, RSRC_CONF | ACCESS_CONF,
                 "On caches responses here in the shared memcached cache (FleetCacheServers); default Off"),
    AP_INIT_TAKE1("FleetCacheMaxObjectSize", asCmdFunc(setCacheMaxObject), nullptr, RSRC_CONF | ACCESS_CONF,
                  "largest response body stored, e.g. 10M (default); larger ones pass through"),
    AP_INIT_TAKE1("FleetCacheStaleWhileRevalidate", asCmdFunc(setCacheSeconds<&DirConfig::cacheSwr>), nullptr,
                  RSRC_CONF | ACCESS_CONF,
                  "default stale-while-revalidate for responses that do not say, e.g. 30s; default 0"),
    AP_INIT_TAKE1("FleetCacheStaleIfError", asCmdFunc(setCacheSeconds<&DirConfig::cacheSie>), nullptr,
                  RSRC_CONF | ACCESS_CONF,
                  "default stale-if-error for responses that do not say, e.g. 1h; default 0"),
    AP_INIT_TAKE1("FleetCacheLockWait", asCmdFunc((setDuration<&DirConfig::cacheLockWait, 0>)), nullptr,
                  RSRC_CONF | ACCESS_CONF,
                  "how long a request waits for another one fetching the same miss; 0 = no "
                  "coalescing; default 2s"),
    AP_INIT_FLAG("FleetCachePurge", asCmdFunc(setFlag<&DirConfig::cachePurge>), nullptr, RSRC_CONF | ACCESS_CONF,
                 "On accepts PURGE here (guard it with Require); default Off"),
    AP_INIT_RAW_ARGS("FleetCacheStatuses", asCmdFunc(setCacheStatuses), nullptr, RSRC_CONF | ACCESS_CONF,
                     "response statuses the cache may store, e.g. default 400 (\"default\" = 200 203 204 "
                     "300 301 302 303 307 308 404 410 414 501)"),
    AP_INIT_TAKE1("FleetCacheTargetedField", asCmdFunc(setCacheTargetedField), nullptr, RSRC_CONF | ACCESS_CONF,
                  "the member's header for this cache alone (RFC 9213), before CDN-Cache-Control and "
                  "Cache-Control, and never passed on; default Fleet-Cache-Control, off = none"),
    AP_INIT_FLAG("FleetCacheCDNControl", asCmdFunc(setFlag<&DirConfig::cacheCdnControl>), nullptr,
                 RSRC_CONF | ACCESS_CONF, "On: CDN-Cache-Control (RFC 9213) before Cache-Control; default On"),
    AP_INIT_FLAG("FleetCachePurgeSoft", asCmdFunc(setFlag<&DirConfig::cacheSoftPurge>), nullptr,
                 RSRC_CONF | ACCESS_CONF,
                 "On: PURGE marks stale (served while one request refreshes) instead of deleting; "
                 "a request's Fleet-Soft-Purge: 1|0 decides too; default Off"),
    AP_INIT_TAKE1("FleetCacheHitForMiss", asCmdFunc(setCacheSeconds<&DirConfig::cacheHitForMiss>), nullptr,
                  RSRC_CONF | ACCESS_CONF,
                  "how long an uncacheable answer lets requests for its URL skip the coalescing wait; "
                  "0 = off; default 2m"),
    AP_INIT_RAW_ARGS("FleetCacheServers", asCmdFunc(setCacheServers), nullptr, RSRC_CONF,
                  "memcached servers of the shared cache: host:port ..."),
    AP_INIT_FLAG("FleetCacheQuickHandler", asCmdFunc(setCacheQuickHandler), nullptr, RSRC_CONF,
                 "On answers fresh hits of public responses before httpd's access checks, like "
                 "mod_cache's CacheQuickHandler; default Off"),
    AP_INIT_TAKE1("FleetCacheLocalSize", asCmdFunc(setCacheLocalSize), nullptr, RSRC_CONF,
                  "memory tier per child in front of memcached, emptied fleet-wide on every purge; "
                  "e.g. 16M (default), 0 = off"),
    AP_INIT_TAKE1("FleetCacheTimeout", asCmdFunc(setCacheTimeout), nullptr, RSRC_CONF,
                  "connect and I/O timeout for memcached, e.g. 100ms (default)"),
    AP_INIT_TAKE1("FleetCacheRetry", asCmdFunc(setCacheRetry), nullptr, RSRC_CONF,
                  "how long a failed memcached server is skipped, e.g. 5s (default)"),
    // mod_proxy_hcheck's directives, with the same meaning (mod_fleet replaces that module).
    AP_INIT_RAW_ARGS("ProxyHCExpr", asCmdFunc(setHcExpr), nullptr, OR_FILEINFO,
                     "ProxyHCExpr name {expression}: a health check condition for hcexpr=name; "
                     "%{REQUEST_STATUS}, response headers and hc('body') / %{HC_BODY}"),
    AP_INIT_RAW_ARGS("ProxyHCTemplate", asCmdFunc(setHcTemplate), nullptr, OR_FILEINFO,
                     "ProxyHCTemplate name key=value...: hc* parameters for hctemplate=name"),
    AP_INIT_TAKE1("ProxyHCTPsize", asCmdFunc(setHcThreadPoolSize), nullptr, RSRC_CONF,
                  "accepted for mod_proxy_hcheck compatibility; mod_fleet needs no thread pool"),
    {nullptr, nullptr, nullptr, 0, RAW_ARGS, nullptr},
};

}  // namespace fleet::glue
