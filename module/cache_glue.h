// The shared response cache in httpd: shared/cache's HttpCache asked before the content handler
// (a fresh hit never reaches mod_proxy) and by an output filter that hands it the member's
// response as it streams out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "module/httpd_includes.h"

namespace fleet::glue {

// Server-wide cache directives, with pconf's lifetime.
struct CacheGlobals {
  bool quick = false;                      // FleetCacheQuickHandler
  uint64_t localBytes = 16 * 1024 * 1024;  // FleetCacheLocalSize
  std::string servers;                     // FleetCacheServers
  int64_t timeoutMicros = 100000;          // FleetCacheTimeout
  int64_t retryMicros = 5000000;           // FleetCacheRetry
};
CacheGlobals& cacheGlobals(apr_pool_t* pconf);

void registerCacheHooks();
// Names of the configured memcached servers, in the order of CacheShared::servers.
std::vector<std::string> cacheServerNames();
// One memcached connection pool per child (FleetCacheServers set).
void startCache(apr_pool_t* pchild, server_rec* s);
// The status page's purge action: "/path?query" (on this request's scheme, Host and port) or
// "tag:name"; returns what happened, for the page.
std::string purgeFromStatusPage(request_rec* r, const std::string& what);


}  // namespace fleet::glue
