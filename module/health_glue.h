// Active health checks in httpd: mod_proxy_hcheck's configuration surface (the hc* BalancerMember
// parameters through the set_worker_hc_param optional function, ProxyHCExpr, ProxyHCTemplate,
// ProxyHCTPsize, and the three functions balancer-manager calls to show and edit them), and the
// checker thread each child starts, of which exactly one (the lease holder) checks at a time.
#pragma once

#include <string>

#include "module/httpd_includes.h"
#include "shared/health/http_probe.h"

namespace fleet::glue {

// Optional functions and the expression lookup hook; from register_hooks, so mod_proxy and
// mod_proxy_balancer find them at their pre_config.
void registerHealthHooks(apr_pool_t* p);
// "" when health checks can run in this configuration; else why not (mod_proxy_hcheck loaded).
std::string healthConflict();
// Starts this child's checker thread (it stops and is joined when pchild is destroyed).
void startHealthChecker(apr_pool_t* pchild, server_rec* s);

// The probe a worker's hcmethod stands for (kNone: not checked by mod_fleet).
health::ProbeSpec healthProbeSpec(int hcmethod);

void* createServerConfig(apr_pool_t* p, server_rec* s);

const char* setHcExpr(cmd_parms* cmd, void*, const char* args);
const char* setHcTemplate(cmd_parms* cmd, void*, const char* args);
const char* setHcThreadPoolSize(cmd_parms* cmd, void*, const char* arg);

}  // namespace fleet::glue
