// Glue between mod_proxy_balancer and the core's balancing methods: lbmethod providers, the
// finder, and the proxy hooks that report each request's attempts to its lb::Attempt. The
// functions below are called from mod_fleet.cpp's startup hooks, in the parent process.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

// From register_hooks: one PROXY_LBMETHOD provider per core method (names exist before config).
void registerLbMethods(apr_pool_t* p);
// mod_proxy's hooks (registered in mod_fleet.cpp): an attempt at the chosen member begins
// (proxy fixups; inserts the time-to-first-byte filter) and ends (proxy post_request).
int onProxyFixups(request_rec* r);
int onProxyPostRequest(proxy_worker* worker, proxy_balancer* balancer, request_rec* r,
                       proxy_server_conf* conf);
void registerTtfbFilter();
// From post_config, after createMemberTable: one maglev table entry per configured balancer.
void prepareMaglevTables(apr_pool_t* pconf, server_rec* s);

}  // namespace fleet::glue
