// Glue between mod_proxy_balancer and the core's balancing methods: lbmethod providers, the
// shared member table, and the proxy hooks that keep in-flight counts.
#pragma once

#include "module/httpd_includes.h"
#include "shared/lb/member_table.h"

namespace fleet::glue {

// From register_hooks: one PROXY_LBMETHOD provider per core method (names exist before config).
void registerLbMethods(apr_pool_t* p);
// From pre_config, once mod_proxy's hook registration functions are resolved.
void registerProxyHooks();
// From post_config (second pass): sizes and creates the shared member table.
apr_status_t createMemberTable(apr_pool_t* pconf, server_rec* s);
// The table of this server generation, or nullptr before post_config.
lb::MemberTable* memberTable();
// The slot of a balancer member, claimed on first use; nullptr if the table is full.
lb::MemberSlot* slotFor(proxy_balancer* balancer, proxy_worker* worker);

}  // namespace fleet::glue
