// httpd's side of DNS discovery's runner (shared/dns/runner.h DiscoveryPort): the members a
// FleetDiscover line made, as httpd's workers and mod_fleet's member slots show them, and the
// runner's actions carried out with mod_proxy_balancer's own balancer_manage (add, enable, update,
// drain, disable) or, to give a free slot to another address, in the worker's shared memory.
#pragma once

#include <memory>
#include <vector>

#include "module/httpd_includes.h"
#include "shared/dns/discovery.h"
#include "shared/dns/runner.h"

namespace fleet::glue {

// One FleetDiscover line where httpd has it: its balancer in a virtual host, and its number among
// the balancer's lines (1-based, kept in each member's slot as discoveredBy).
struct LineRef {
  server_rec* server;
  proxy_server_conf* conf;
  proxy_balancer* balancer;
  uint32_t index;
  dns::DiscoverSpec spec;
};

// The port for these lines; `pool` outlives it (the discovery thread's).
std::unique_ptr<dns::DiscoveryPort> makeHttpdPort(std::vector<LineRef> lines, apr_pool_t* pool);

}  // namespace fleet::glue
