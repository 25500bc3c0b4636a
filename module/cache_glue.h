// The shared response cache in httpd: lookups before the content handler (a fresh hit never
// reaches mod_proxy), an output filter that stores responses in memcached as they stream out,
// revalidation with the member, stale-if-error, coalescing of misses, PURGE by URL and by tag.
#pragma once

#include <string>
#include <vector>

#include "module/httpd_includes.h"

namespace fleet::glue {

void registerCacheHooks();
// Names of the configured memcached servers, in the order of CacheShared::servers.
std::vector<std::string> cacheServerNames();
// One memcached connection pool per child (FleetCacheServers set).
void startCache(apr_pool_t* pchild, server_rec* s);
// The status page's purge action: "/path?query" (on this request's scheme, Host and port) or
// "tag:name"; returns what happened, for the page.
std::string purgeFromStatusPage(request_rec* r, const std::string& what);

const char* setCacheServers(cmd_parms* cmd, void*, const char* arg);
const char* setCacheTimeout(cmd_parms* cmd, void*, const char* arg);
const char* setCacheRetry(cmd_parms* cmd, void*, const char* arg);
const char* setCacheQuickHandler(cmd_parms* cmd, void*, int on);
const char* setCacheLocalSize(cmd_parms* cmd, void*, const char* arg);

}  // namespace fleet::glue
