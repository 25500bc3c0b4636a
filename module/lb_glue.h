// Glue between mod_proxy_balancer and the core's balancing methods: lbmethod providers, the
// finder, and the proxy hooks that report each request's attempts to its lb::Attempt. The
// functions below are called from mod_fleet.cpp's startup hooks, in the parent process.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

// From register_hooks: one PROXY_LBMETHOD provider per core method (names exist before config).
void registerLbMethods(apr_pool_t* p);
// From pre_config, once mod_proxy's hook registration functions are resolved.
void registerProxyHooks();
// From post_config, after createMemberTable: one maglev table entry per configured balancer.
void prepareMaglevTables(apr_pool_t* pconf, server_rec* s);

}  // namespace fleet::glue
