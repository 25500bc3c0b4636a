// The shared response cache in httpd: shared/cache's HttpCache asked before the content handler
// (a fresh hit never reaches mod_proxy) and by an output filter that hands it the member's
// response as it streams out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "module/httpd_includes.h"
#include "shared/cache/kv_store.h"

namespace fleet::glue {

// Hooks (registered in mod_fleet.cpp, which says why at each position).
int quickHandler(request_rec* r, int lookupOnly);  // FleetCacheQuickHandler: public fresh hits
int lookupHandler(request_rec* r);                 // the lookup; a miss inserts the save filter
void insertErrorFilter(request_rec* r);            // httpd's own error responses reach the cache
int refreshAfterResponse(request_rec* r);          // a stale-while-revalidate refresh
// The save filter (between content and protocol filters) and the sink of a replaced response.
void registerCacheFilters();

// Names of the configured memcached servers (FleetCacheServers), in the order of
// CacheShared::servers.
std::vector<std::string> cacheServerNames(server_rec* s);
// One memcached connection pool per child (FleetCacheServers set).
void startCache(apr_pool_t* pchild, server_rec* s);
// That pool, for the fleet's shared DNS member lists; nullptr without FleetCacheServers.
cache::KeyValueStore* childStore();
// The status page's purge action: "/path?query" (on this request's scheme, Host and port) or
// "tag:name"; returns what happened, for the page.
std::string purgeFromStatusPage(request_rec* r, const std::string& what);

}  // namespace fleet::glue
