// Configuration in httpd: the command table made from shared/config's declarations, one handler
// for every mod_fleet directive, the per-section settings and their merge, and the typed views the
// other glue files read. mod_fleet also looks at mod_proxy's own lbmethod= settings first, so a
// misspelt method fails `apachectl -t` naming the value and the methods that exist.
#pragma once

#include <string>

#include "module/httpd_includes.h"
#include "shared/cache/http_cache.h"
#include "shared/config/options.h"
#include "shared/lb/member_health.h"

namespace fleet::glue {

// One section's settings (server, virtual host, <Location>, <Proxy balancer://...>). Balancer
// settings go inside <Proxy balancer://name>: httpd merges that section into every request
// proxied through the balancer. Lives in pool memory: trivially destructible, merged by copy.
struct DirConfig {
  config::Settings s;

  bool flag(config::Id id) const { return s.flag(id); }
  int64_t number(config::Id id) const { return s.number(id); }
  template <typename T>
  const T* object(config::Id id) const {
    return s.object<T>(id);
  }
  bool decisionHeaderOn() const { return flag(config::Id::kDecisionHeader); }
  // The trace costs a few thousand instructions per request, so it is built only when asked for.
  bool decisionTraceOn() const { return flag(config::Id::kDecisionNote) || decisionHeaderOn(); }
  lb::HealthConfig health() const;
  cache::CacheSettings cacheSettings() const;
};

void* createDirConfig(apr_pool_t* p, char* dir);
void* mergeDirConfig(apr_pool_t* p, void* base, void* add);
const DirConfig& dirConfig(request_rec* r);
// The main server's own settings (where the server-wide directives such as FleetCacheServers
// live). Valid from post_config on.
const DirConfig& serverSettings(server_rec* mainServer);

// check_config: settings that parse alone but not together (FleetCache on without
// FleetCacheServers); "" when the configuration holds together, else what is wrong.
std::string crossCheck(server_rec* mainServer);

// mod_fleet's settings in the balancer's <Proxy balancer://...> section, or nullptr (httpd
// records it on the balancer only for the <Proxy url args> form; otherwise it is found among the
// <Proxy> sections).
const DirConfig* balancerSection(proxy_server_conf* conf, proxy_balancer* b);

// Whether FleetRetry or FleetProxyStatus is set anywhere (maxconn= is anyMemberMaxConn()).
bool resilienceAnywhere();

extern command_rec kCommands[];

}  // namespace fleet::glue
