#include "shared/config/options.h"

#include "shared/config/option_parsers.h"

namespace fleet::config {
namespace {

namespace p = parsers;
constexpr int64_t kMs = 1000, kS = 1000000;
constexpr uint8_t kAny = kAnyWords;

// One line per directive: name, where, words (min, max), documented default, default number,
// accepted range, parser, help, default object.
const std::vector<Option>& table() {
  static const std::vector<Option> kTable = {
      {Id::kDecisionHeader, "FleetDecisionHeader", Where::kAnywhere, 1, 1, "Off", 0, 0, 0, p::onOff,
       "On adds X-Fleet-Decision (why this member was chosen) to proxied responses; default Off",
       nullptr},
      {Id::kDecisionNote, "FleetDecisionNote", Where::kAnywhere, 1, 1, "Off", 0, 0, 0, p::onOff,
       "On records why each member was chosen in the request note FLEET_DECISION; default Off",
       nullptr},
      {Id::kEwmaDecay, "FleetEwmaDecay", Where::kAnywhere, 1, 1, "10s", 10 * kS, kMs, 0,
       p::duration, "ewma: time constant of the latency average, e.g. 10s (default)", nullptr},
      {Id::kEwmaPenalty, "FleetEwmaPenalty", Where::kAnywhere, 1, 1, "500ms", 500 * kMs, kMs, 0,
       p::duration,
       "ewma: latency recorded for an error answer or failed attempt, e.g. 500ms (default)",
       nullptr},
      {Id::kHashKey, "FleetHashKey", Where::kAnywhere, 1, 1, "client address", 0, 0, 0, nullptr,
       "maglev: ap_expr string hashed to pick the member; default the client address", nullptr},
      {Id::kHashTableSize, "FleetHashTableSize", Where::kAnywhere, 1, 1, "65537", 65537, 0, 0,
       p::tableSize, "maglev: lookup table size, a prime >= 100 x members; default 65537", nullptr},
      {Id::kHashBalanceFactor, "FleetHashBalanceFactor", Where::kAnywhere, 1, 1, "0 (off)", 0, 100,
       10000, p::numberOrOff,
       "maglev: no member above this percent of its share of requests in flight; 0 = off", nullptr},
      {Id::kSlowStart, "FleetSlowStart", Where::kAnywhere, 1, 1, "0 (off)", 0, 0, 0, p::duration,
       "ramp a returning member's weight from 10% to full over this time; 0 = off (default)",
       nullptr},
      {Id::kOutlierConsecutive, "FleetOutlierConsecutive", Where::kAnywhere, 1, 1, "5", 5, 1, 1000,
       p::numberOrOff, "eject a member after this many 5xx answers or failures in a row; 0 = off",
       nullptr},
      {Id::kOutlierBaseTime, "FleetOutlierBaseTime", Where::kAnywhere, 1, 1, "30s", 30 * kS, kMs, 0,
       p::duration, "first ejection time, doubled for each repeated ejection; default 30s",
       nullptr},
      {Id::kOutlierMaxTime, "FleetOutlierMaxTime", Where::kAnywhere, 1, 1, "300s", 300 * kS, kMs, 0,
       p::duration, "longest ejection time; default 300s", nullptr},
      {Id::kOutlierMaxPercent, "FleetOutlierMaxPercent", Where::kAnywhere, 1, 1, "10", 10, 0, 100,
       p::number,
       "at most this percent of a balancer's members ejected at once (at least one); default 10",
       nullptr},
      {Id::kPanicThreshold, "FleetPanicThreshold", Where::kAnywhere, 1, 1, "50", 50, 0, 100,
       p::number,
       "below this percent of healthy members, ignore ejections and use every usable member",
       nullptr},
      {Id::kForwardTls, "FleetForwardTLS", Where::kAnywhere, 1, 1, "Off", 0, 0, 0, p::onOff,
       "On tells members the client's TLS facts from mod_ssl, after removing the client's copies",
       nullptr},
      {Id::kForwardTlsHeader, "FleetForwardTLSHeader", Where::kAnywhere, 2, 2, "see SSL offload", 0,
       0, 0, p::tlsHeader,
       "FleetForwardTLSHeader <fact> <Header-Name>|off: rename or turn off one forwarded fact",
       p::defaultTlsHeaders},
      {Id::kTrustedProxies, "FleetTrustedProxies", Where::kAnywhere, 1, kAny, "none", 0, 0, 0,
       p::trustedProxies,
       "addresses or networks whose X-Forwarded-For and Forwarded chains are kept", nullptr},
      {Id::kStripHeader, "FleetStripHeader", Where::kAnywhere, 1, kAny, "none", 0, 0, 0,
       p::stripHeaders,
       "more client request headers never passed to members: names or prefixes ending in '*'",
       nullptr},
      {Id::kKeepHeader, "FleetKeepHeader", Where::kAnywhere, 1, kAny, "none", 0, 0, 0,
       p::keepHeaders,
       "client request headers passed to members although mod_fleet's list names them", nullptr},
      {Id::kHsts, "FleetHSTS", Where::kAnywhere, 1, 3, "off", 0, 0, 0, p::hsts,
       "FleetHSTS max-age=<seconds> [includeSubDomains] [preload] | off", nullptr},
      {Id::kRedirectHttps, "FleetRedirectHTTPS", Where::kAnywhere, 1, 2, "off", 0, 0, 0,
       p::redirect,
       "FleetRedirectHTTPS on [301|302|303|307|308] | off: send plain-HTTP requests to HTTPS",
       nullptr},
      {Id::kRedirectHttpsPort, "FleetRedirectHTTPSPort", Where::kAnywhere, 1, 1, "443", 443, 1,
       65535, p::number, "the HTTPS port redirects point to; default 443", nullptr},
      {Id::kRedirectHttpsExempt, "FleetRedirectHTTPSExempt", Where::kAnywhere, 1, kAny, "none", 0,
       0, 0, p::pathPrefixes, "path prefixes never redirected, e.g. /.well-known/acme-challenge/",
       nullptr},
      {Id::kCache, "FleetCache", Where::kAnywhere, 1, 1, "Off", 0, 0, 0, p::onOff,
       "On caches responses here in the shared memcached cache (FleetCacheServers); default Off",
       nullptr},
      {Id::kCacheMaxObjectSize, "FleetCacheMaxObjectSize", Where::kAnywhere, 1, 1, "10M", 10 << 20,
       1, 0, p::size, "largest response body stored, e.g. 10M (default); larger ones pass through",
       nullptr},
      {Id::kCacheStaleWhileRevalidate, "FleetCacheStaleWhileRevalidate", Where::kAnywhere, 1, 1,
       "0", 0, 0, 0, p::seconds,
       "default stale-while-revalidate for responses that do not say, e.g. 30s", nullptr},
      {Id::kCacheStaleIfError, "FleetCacheStaleIfError", Where::kAnywhere, 1, 1, "0", 0, 0, 0,
       p::seconds, "default stale-if-error for responses that do not say, e.g. 1h", nullptr},
      {Id::kCacheLockWait, "FleetCacheLockWait", Where::kAnywhere, 1, 1, "2s", 2 * kS, 0, 0,
       p::duration,
       "how long a request waits for another one fetching the same miss; 0 = no coalescing",
       nullptr},
      {Id::kCachePurge, "FleetCachePurge", Where::kAnywhere, 1, 1, "Off", 0, 0, 0, p::onOff,
       "On accepts PURGE here (guard it with Require); default Off", nullptr},
      {Id::kCacheStatuses, "FleetCacheStatuses", Where::kAnywhere, 1, kAny, "default", 0, 0, 0,
       p::statuses, "response statuses the cache may store, e.g. default 400", p::defaultStatuses},
      {Id::kCacheTargetedField, "FleetCacheTargetedField", Where::kAnywhere, 1, 1,
       "Fleet-Cache-Control", 0, 0, 0, p::headerNameOrOff,
       "the member's header for this cache alone (RFC 9213); off = none", p::defaultTargetedField},
      {Id::kCacheCdnControl, "FleetCacheCDNControl", Where::kAnywhere, 1, 1, "On", 1, 0, 0,
       p::onOff, "On: CDN-Cache-Control (RFC 9213) before Cache-Control; default On", nullptr},
      {Id::kCachePurgeSoft, "FleetCachePurgeSoft", Where::kAnywhere, 1, 1, "Off", 0, 0, 0, p::onOff,
       "On: PURGE marks stale instead of deleting (Fleet-Soft-Purge: 1|0 decides too)", nullptr},
      {Id::kCacheHitForMiss, "FleetCacheHitForMiss", Where::kAnywhere, 1, 1, "2m", 120, 0, 0,
       p::seconds,
       "how long an uncacheable answer lets requests for its URL skip the coalescing wait; 0 = off",
       nullptr},
      {Id::kCacheServers, "FleetCacheServers", Where::kMainServer, 1, kAny, "none", 0, 0, 0,
       p::cacheServers, "memcached servers of the shared cache: host:port ...", nullptr},
      {Id::kCacheQuickHandler, "FleetCacheQuickHandler", Where::kMainServer, 1, 1, "Off", 0, 0, 0,
       p::onOff, "On answers fresh hits of public responses before httpd's access checks", nullptr},
      {Id::kCacheLocalSize, "FleetCacheLocalSize", Where::kMainServer, 1, 1, "16M", 16 << 20, 0, 0,
       p::size, "memory tier per child in front of memcached, e.g. 16M (default), 0 = off",
       nullptr},
      {Id::kCacheTimeout, "FleetCacheTimeout", Where::kMainServer, 1, 1, "100ms", 100 * kMs, kMs,
       10 * kS, p::duration, "connect and I/O timeout for memcached, e.g. 100ms (default)",
       nullptr},
      {Id::kCacheRetry, "FleetCacheRetry", Where::kMainServer, 1, 1, "5s", 5 * kS, 100 * kMs, 0,
       p::duration, "how long a failed memcached server is skipped, e.g. 5s (default)", nullptr},
      {Id::kRetry, "FleetRetry", Where::kAnywhere, 1, kAny, "0 (off)", 0, 0, 0, p::retry,
       "FleetRetry <retries> [<status>...] [put-delete]: idempotent requests to other members",
       nullptr},
      {Id::kRetryBudget, "FleetRetryBudget", Where::kAnywhere, 1, 2, "20 3", 0, 0, 0,
       p::retryBudget,
       "retries in flight at most this percent of requests in flight, or N; default 20 3",
       p::defaultBudget},
      {Id::kQueue, "FleetQueue", Where::kAnywhere, 1, 2, "off", 0, 0, 0, p::queue,
       "FleetQueue <length> <timeout>: wait for a member below its maxconn=; off = 503 at once",
       nullptr},
      {Id::kProxyStatus, "FleetProxyStatus", Where::kAnywhere, 1, 1, "Off", 0, 0, 0, p::onOff,
       "On adds Proxy-Status (RFC 9209) to answers made because of a member problem", nullptr},
      {Id::kLatencyOutlier, "FleetLatencyOutlier", Where::kAnywhere, 1, 2, "off", 0, 0, 0,
       p::latencyOutlier,
       "ewma: <factor> [<probe %>]: rest members slower than factor x the others' median", nullptr},
      {Id::kDiscover, "FleetDiscover", Where::kAnywhere, 3, 4, "none", 0, 0, 0, p::discover,
       "in <Proxy balancer://...>: dns <name> <scheme>://<port> | srv <_svc._proto.name> <scheme>",
       nullptr},
      {Id::kResolver, "FleetResolver", Where::kMainServer, 1, kAny, "/etc/resolv.conf", 0, 0, 0,
       p::resolvers, "DNS servers for FleetDiscover and health checks: <ip[:port]>...", nullptr},
      {Id::kResolverTtl, "FleetResolverTTL", Where::kMainServer, 2, 2, "1s 5m", 0, 0, 0,
       p::resolverTtl, "FleetResolverTTL <min> <max>: bounds on how long a DNS answer is used",
       p::defaultResolverTtl},
      {Id::kResolverHold, "FleetResolverHold", Where::kMainServer, 1, 1, "30s", 30 * kS, 0, 0,
       p::duration, "how long a failing name keeps its last members before they are drained",
       nullptr},
  };
  return kTable;
}

}  // namespace

const std::vector<Option>& options() { return table(); }

const Option& option(Id id) { return table()[static_cast<size_t>(id)]; }

bool isSwitch(const Option& o) { return o.parse == &parsers::onOff; }

int64_t Settings::number(Id id) const {
  size_t i = static_cast<size_t>(id);
  return set[i] ? values[i].number : option(id).defaultNumber;
}

const void* Settings::objectOrDefault(Id id) const {
  size_t i = static_cast<size_t>(id);
  if (set[i]) {
    return values[i].object;
  }
  const Option& o = option(id);
  return o.defaultObject != nullptr ? o.defaultObject() : nullptr;
}

Settings Settings::merged(const Settings& base, const Settings& add) {
  Settings m = base;
  for (size_t i = 0; i < kOptionCount; ++i) {
    if (add.set[i]) {
      m.values[i] = add.values[i];
    }
  }
  m.set |= add.set;
  return m;
}

std::string apply(Settings* s, const Option& o, const std::vector<std::string>& words,
                  Keeper& keeper) {
  if (words.size() < o.minWords || (o.maxWords != kAnyWords && words.size() > o.maxWords)) {
    std::string takes =
        o.minWords == o.maxWords
            ? (o.minWords == 1 ? "one argument" : std::to_string(o.minWords) + " arguments")
            : (o.maxWords == kAnyWords ? "one or more arguments"
                                       : std::to_string(o.minWords) + " to " +
                                             std::to_string(o.maxWords) + " arguments");
    return std::string(o.name) + " takes " + takes + ", " + o.help;
  }
  size_t i = static_cast<size_t>(o.id);
  Value current = s->set[i] ? s->values[i] : Value();
  common::Result<Value> v = o.parse(o, words, current, keeper);
  if (!v.isOk()) {
    const std::string& m = v.status().message();
    return m.rfind(o.name, 0) == 0 ? m : std::string(o.name) + ": " + m;
  }
  s->assign(o.id, v.value());
  return "";
}

}  // namespace fleet::config
