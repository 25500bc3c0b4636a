// Members from DNS in httpd: each balancer's FleetDiscover lines get growth slots reserved before
// mod_proxy_balancer sizes its shared memory, and one child at a time (the holder of the discovery
// lease) runs shared/dns's DiscoveryRunner, adding, draining, disabling and enabling workers
// through mod_proxy_balancer's balancer_manage so every child and balancer-manager see the same
// members.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

// post_config, before mod_proxy_balancer's: adds the slots of each balancer's FleetDiscover lines
// to its growth.
void reserveDiscoverySlots(server_rec* s);
// child_init: the discovery thread (idle unless this child holds the lease).
void startDiscovery(apr_pool_t* pchild, server_rec* s);
// A discovered member's health check timed out: every name is asked again soon.
void discoveryAskSoon();

}  // namespace fleet::glue
