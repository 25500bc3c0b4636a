// mod_proxy_hcheck's configuration surface, which mod_fleet takes over: the hc* BalancerMember
// parameters, ProxyHCExpr, ProxyHCTemplate, ProxyHCTPsize and balancer-manager's expression
// functions. The checker (module/health_glue.h) reads what they configured.
#pragma once

#include <string>

#include "module/httpd_includes.h"
#include "shared/health/check_config.h"
#include "shared/health/hc_definitions.h"
#include "shared/health/http_probe.h"

namespace fleet::glue {

// The note holding a checked member's response body while its hcexpr runs (%{HC_BODY}).
inline constexpr const char* kHcBodyNote = "fleet-hc-body";

// mod_proxy_hcheck's optional functions; from register_hooks, so mod_proxy and
// mod_proxy_balancer find them at their pre_config.
void registerHealthFunctions();
// expr_lookup: %{HC_BODY} and hc('body') in ProxyHCExpr.
int hcExprLookup(ap_expr_lookup_parms* parms);
// "" when health checks can run in this configuration; else why not (mod_proxy_hcheck loaded).
std::string healthConflict();

// The probe a worker's hcmethod stands for (kNone: not checked by mod_fleet).
health::ProbeSpec healthProbeSpec(int hcmethod);
// mod_fleet's own hc settings of a member (hctimeout, jitter...), defaults when it set none.
const health::CheckConfig& memberCheckConfig(const proxy_worker* w);
// The ProxyHCExpr/ProxyHCTemplate definitions a virtual host sees.
const health::HcDefinitions& hcDefinitions(server_rec* s);

// The server config is the virtual host's definitions.
void* createServerConfig(apr_pool_t* p, server_rec* s);
const char* setHcExpr(cmd_parms* cmd, void*, const char* args);
const char* setHcTemplate(cmd_parms* cmd, void*, const char* args);
const char* setHcThreadPoolSize(cmd_parms* cmd, void*, const char* arg);

}  // namespace fleet::glue
