// The module: hook registration and the lifecycle (pre_config, check_config, post_config).
// Nothing is started here or in static constructors: httpd loads and unloads the DSO several
// times during startup and on every restart.
#include "module/cache_glue.h"
#include "module/config_glue.h"
#include "module/guard.h"
#include "module/health_config_glue.h"
#include "module/health_glue.h"
#include "module/lb_glue.h"
#include "module/member_table_glue.h"
#include "module/offload_glue.h"
#include "module/proxy_api.h"
#include "module/status_glue.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

int preConfig(apr_pool_t*, apr_pool_t*, apr_pool_t*) {
  return guarded<int>(nullptr, "pre_config", DONE, [] {
    // Before any BalancerMember is read: with both modules loaded, which one parses the hc*
    // parameters would depend on load order, and both would check every member.
    std::string conflict = healthConflict();
    if (!conflict.empty()) {
      FLEET_LOG_S(APLOG_EMERG | APLOG_STARTUP, 0, nullptr, 00016, "mod_fleet cannot run: %s",
                  conflict.c_str());
      return DONE;
    }
    if (resolveProxyApi().missing().empty()) {
      registerProxyHooks();
      registerOffloadProxyHooks();
    }
    return OK;
  });
}

// Runs for `apachectl -t` too, so a missing dependency fails the config test, not the start.
int checkConfig(apr_pool_t*, apr_pool_t*, apr_pool_t*, server_rec* s) {
  return guarded<int>(s, "check_config", DONE, [&] {
    std::string missing = proxyApi().missing();
    if (!missing.empty()) {
      FLEET_LOG_S(APLOG_EMERG | APLOG_STARTUP, 0, s, 00002, "mod_fleet cannot run: %s",
                  missing.c_str());
      return DONE;
    }
    std::string inconsistent = crossCheck(s);
    if (!inconsistent.empty()) {
      FLEET_LOG_S(APLOG_EMERG | APLOG_STARTUP, 0, s, 00024, "%s", inconsistent.c_str());
      return DONE;
    }
    return OK;
  });
}

int postConfig(apr_pool_t* pconf, apr_pool_t*, apr_pool_t*, server_rec* s) {
  return guarded<int>(s, "post_config", DONE, [&] {
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
      return OK;  // the first of two startup passes: nothing to build yet
    }
    if (createMemberTable(pconf, s) != APR_SUCCESS) {
      return DONE;
    }
    prepareMaglevTables(pconf, s);
    prepareStatusSecret(pconf);
    FLEET_LOG_S(APLOG_INFO, 0, s, 00006, "mod_fleet %s ready", "0.1.0");
    return OK;
  });
}

void childInit(apr_pool_t* pchild, server_rec* s) {
  guarded<int>(s, "child_init", 0, [&] {
    startHealthChecker(pchild, s);
    startCache(pchild, s);
    return 0;
  });
}

void registerHooks(apr_pool_t* p) {
  registerLbMethods(p);
  registerHealthHooks(p);
  registerOffloadHooks();
  registerCacheHooks();
  ap_hook_pre_config(preConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_check_config(checkConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  // After mod_proxy_balancer has sized and attached its own shared memory.
  static const char* const kAfter[] = {"mod_proxy_balancer.c", "mod_proxy.c", nullptr};
  ap_hook_post_config(postConfig, kAfter, nullptr, APR_HOOK_MIDDLE);
  ap_hook_handler(statusHandler, nullptr, nullptr, APR_HOOK_MIDDLE);
  registerStatusHooks();
  // After mod_proxy_balancer has created each balancer's thread mutex in this child.
  ap_hook_child_init(childInit, kAfter, nullptr, APR_HOOK_MIDDLE);
}

}  // namespace
}  // namespace fleet::glue

extern "C" {
__attribute__((visibility("default"))) module AP_MODULE_DECLARE_DATA fleet_module = {
    STANDARD20_MODULE_STUFF,
    fleet::glue::createDirConfig,
    fleet::glue::mergeDirConfig,
    fleet::glue::createServerConfig,
    nullptr,  // server config merger
    fleet::glue::kCommands,
    fleet::glue::registerHooks,
    AP_MODULE_FLAG_NONE,
};
}
