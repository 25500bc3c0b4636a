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

// The request's attempt, for the retry loop (resilience_glue): counts the request on `w` within
// its maxconn= limit (false, nothing counted, at the limit); whether it is counted on `w`; the
// current attempt failed and the request goes elsewhere (recorded for outlier ejection).
bool reserveMember(request_rec* r, proxy_balancer* b, proxy_worker* w);
bool countedOn(request_rec* r, proxy_worker* w);
void attemptFailed(request_rec* r, proxy_balancer* b);
// Whether the balancer balances with one of mod_fleet's methods now (its finder sees retries
// and reservations; a stock method's does not).
bool usesFleetMethod(proxy_balancer* b);

}  // namespace fleet::glue
