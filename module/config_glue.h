// Configuration objects and directive handlers. Config objects live in httpd's config pools and
// hold only trivially destructible values (nothing to clean up). mod_fleet also looks at
// mod_proxy's own lbmethod= settings first, so a misspelt method fails `apachectl -t` naming the
// value and the methods that exist.
#pragma once

#include <optional>

#include "module/httpd_includes.h"
#include "shared/cache/http_cache.h"
#include "shared/cache/policy.h"
#include "shared/lb/member_health.h"
#include "shared/offload/forward_plan.h"
#include "shared/offload/forwarded.h"
#include "shared/offload/tls_facts.h"

namespace fleet::glue {

// Per directory/location/<Proxy> settings; a field left unset inherits when sections merge.
// Balancer settings go inside <Proxy balancer://name> (or at server level for every balancer):
// httpd merges that section into every request proxied through the balancer.
struct DirConfig {
  std::optional<bool> decisionHeader;    // FleetDecisionHeader
  std::optional<bool> decisionNote;      // FleetDecisionNote
  std::optional<int64_t> ewmaDecay;      // FleetEwmaDecay (micros)
  std::optional<int64_t> ewmaPenalty;    // FleetEwmaPenalty (micros)
  std::optional<ap_expr_info_t*> hashKey;  // FleetHashKey (nullptr = the client address)
  std::optional<uint32_t> hashTableSize;   // FleetHashTableSize
  std::optional<uint32_t> balanceFactor;   // FleetHashBalanceFactor (percent, 0 = off)
  std::optional<int64_t> slowStart;        // FleetSlowStart (micros)
  std::optional<uint32_t> outlierConsecutive;
  std::optional<int64_t> outlierBase;
  std::optional<int64_t> outlierMax;
  std::optional<uint32_t> outlierMaxPercent;
  std::optional<uint32_t> panicPercent;
  // SSL offload (module/offload_glue.cpp). Lists set in a section replace the inherited ones.
  std::optional<bool> forwardTls;                          // FleetForwardTLS
  std::optional<offload::HeaderNames*> tlsHeaders;         // FleetForwardTLSHeader (pool-owned)
  std::optional<offload::TrustedProxies*> trustedProxies;  // FleetTrustedProxies (pool-owned)
  std::optional<offload::StripRules*> stripRules;  // FleetStripHeader / FleetKeepHeader (pool-owned)
  std::optional<const char*> hsts;                         // FleetHSTS: the header value
  std::optional<int> redirectCode;                         // FleetRedirectHTTPS: 0 = off
  std::optional<int> redirectPort;                         // FleetRedirectHTTPSPort
  std::optional<apr_array_header_t*> redirectExempt;       // FleetRedirectHTTPSExempt (char*)
  // The shared response cache (module/cache_glue.cpp).
  std::optional<bool> cacheOn;              // FleetCache
  std::optional<uint64_t> cacheMaxObject;   // FleetCacheMaxObjectSize (bytes)
  std::optional<int64_t> cacheSwr;          // FleetCacheStaleWhileRevalidate (seconds)
  std::optional<int64_t> cacheSie;          // FleetCacheStaleIfError (seconds)
  std::optional<int64_t> cacheLockWait;     // FleetCacheLockWait (micros; 0 = no coalescing)
  std::optional<bool> cachePurge;           // FleetCachePurge
  std::optional<cache::StatusSet> cacheStatuses;  // FleetCacheStatuses
  std::optional<std::string_view> cacheTargetedField;  // FleetCacheTargetedField ("" = off)
  std::optional<bool> cacheCdnControl;      // FleetCacheCDNControl
  std::optional<bool> cacheSoftPurge;       // FleetCachePurgeSoft
  std::optional<int64_t> cacheHitForMiss;   // FleetCacheHitForMiss (seconds; 0 = off)

  bool decisionHeaderOn() const { return decisionHeader.value_or(false); }
  // The trace costs a few thousand instructions per request, so it is built only when asked for.
  bool decisionTraceOn() const { return decisionNote.value_or(false) || decisionHeaderOn(); }
  lb::HealthConfig health() const;
  cache::CacheSettings cacheSettings() const;
};

void* createDirConfig(apr_pool_t* p, char* dir);
void* mergeDirConfig(apr_pool_t* p, void* base, void* add);
const DirConfig& dirConfig(request_rec* r);

extern const command_rec kCommands[];

}  // namespace fleet::glue
