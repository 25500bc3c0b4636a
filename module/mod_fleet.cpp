// The module: every hook mod_fleet registers, in one place with the reason for its position, and
// the lifecycle (pre_config, check_config, post_config, child_init).
// Nothing is started here or in static constructors: httpd loads and unloads the DSO several
// times during startup and on every restart.
#include "module/cache_glue.h"
#include "module/config_glue.h"
#include "module/discovery_glue.h"
#include "module/guard.h"
#include "module/health_config_glue.h"
#include "module/health_glue.h"
#include "module/lb_glue.h"
#include "module/maglev_glue.h"
#include "module/member_table_glue.h"
#include "module/offload_glue.h"
#include "module/proxy_api.h"
#include "module/resilience_glue.h"
#include "module/status_glue.h"

extern "C" {
#include "mod_status.h"
}

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

// mod_proxy's hooks, inside its handler, for each attempt at a member (from pre_config, once
// mod_proxy's hook registration functions are resolved: httpd links no module to another).
void registerProxyHooks() {
  const ProxyApi& api = proxyApi();
  // mod_proxy_balancer has picked the member (through our lbmethod's finder): the attempt
  // begins and its time to first byte is measured. Optional hook: registered by name.
  APR_OPTIONAL_HOOK(proxy, fixups, onProxyFixups, nullptr, nullptr, APR_HOOK_MIDDLE);
  // First of the scheme handlers: a balancer with FleetRetry, maxconn= members or
  // FleetProxyStatus has its attempts run (and retried) by mod_fleet, which calls the scheme
  // handlers again for each; then, before every scheme handler (http, fcgi, ajp...), the
  // X-Forwarded-* headers as that scheme needs them.
  if (api.hookSchemeHandler != nullptr) {
    api.hookSchemeHandler(resilientSchemeHandler, nullptr, nullptr, APR_HOOK_REALLY_FIRST);
    api.hookSchemeHandler(beforeSchemeHandler, nullptr, nullptr, APR_HOOK_REALLY_FIRST);
  }
  // After the attempts: the balancer had no usable member (Proxy-Status).
  APR_OPTIONAL_HOOK(proxy, request_status, onRequestStatus, nullptr, nullptr, APR_HOOK_MIDDLE);
  // The attempt's outcome, before mod_proxy_balancer's post_request clears its own state.
  static const char* const kBeforeBalancer[] = {"mod_proxy_balancer.c", nullptr};
  if (api.hookPostRequest != nullptr) {
    api.hookPostRequest(onProxyPostRequest, nullptr, kBeforeBalancer, APR_HOOK_FIRST);
  }
}

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

// Before mod_proxy_balancer sizes each balancer's shared memory (workers + growth).
int reserveSlots(apr_pool_t*, apr_pool_t*, apr_pool_t*, server_rec* s) {
  return guarded<int>(s, "post_config (growth)", DONE, [&] {
    reserveDiscoverySlots(s);
    return OK;
  });
}

void childInit(apr_pool_t* pchild, server_rec* s) {
  guarded<int>(s, "child_init", 0, [&] {
    startHealthChecker(pchild, s);
    startCache(pchild, s);
    startDiscovery(pchild, s);  // after the cache: the fleet's member lists are in memcached
    return 0;
  });
}

void registerHooks(apr_pool_t* p) {
  // Names and functions other modules look up at their pre_config: the lbmethod providers
  // mod_proxy_balancer lists, mod_proxy_hcheck's optional functions mod_proxy calls.
  registerLbMethods(p);
  registerHealthFunctions();
  registerCacheFilters();
  registerTtfbFilter();
  registerHoldBackFilter();

  // The lifecycle.
  ap_hook_pre_config(preConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_check_config(checkConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  // After mod_proxy_balancer has sized and attached its own shared memory.
  static const char* const kAfter[] = {"mod_proxy_balancer.c", "mod_proxy.c", nullptr};
  ap_hook_post_config(postConfig, kAfter, nullptr, APR_HOOK_MIDDLE);
  // FleetDiscover's slots join each balancer's growth before mod_proxy_balancer uses it.
  static const char* const kBeforeBalancer[] = {"mod_proxy_balancer.c", nullptr};
  ap_hook_post_config(reserveSlots, nullptr, kBeforeBalancer, APR_HOOK_MIDDLE);
  // After mod_proxy_balancer has created each balancer's thread mutex in this child.
  ap_hook_child_init(childInit, kAfter, nullptr, APR_HOOK_MIDDLE);

  // One request, in the order httpd runs these hooks (the proxy's own are in registerProxyHooks).
  // 1. Before the URL is mapped or access checked: only FleetCacheQuickHandler's fresh hits of
  //    public responses are served here (anything else declines for the normal lookup).
  ap_hook_quick_handler(quickHandler, nullptr, nullptr, APR_HOOK_FIRST);
  // 2. First of header_parser: plain HTTP goes to HTTPS before anything else reads the request
  //    (after <Location> merging, so a section can turn the redirect off).
  ap_hook_header_parser(redirectToHttps, nullptr, nullptr, APR_HOOK_FIRST);
  // 3. Last of fixups: mod_rewrite's per-directory [P] rules set proxyreq in their own fixups;
  //    the client's copies of forwarded facts go before any scheme handler copies the headers.
  ap_hook_fixups(forwardClientFacts, nullptr, nullptr, APR_HOOK_LAST);
  // 4. Filters: Strict-Transport-Security on every HTTPS answer, errors included; httpd's own
  //    error responses pass the cache too (a 404 it makes may be stored).
  ap_hook_insert_filter(addHsts, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_insert_error_filter(addHsts, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_insert_error_filter(insertErrorFilter, nullptr, nullptr, APR_HOOK_MIDDLE);
  // 5. Handlers: the cache before mod_proxy's handler (a hit never reaches it); the status page
  //    only for SetHandler fleet-status.
  ap_hook_handler(lookupHandler, nullptr, nullptr, APR_HOOK_REALLY_FIRST);
  ap_hook_handler(statusHandler, nullptr, nullptr, APR_HOOK_MIDDLE);
  // 6. Last of log_transaction: a stale-while-revalidate refresh after the client has its answer.
  ap_hook_log_transaction(refreshAfterResponse, nullptr, nullptr, APR_HOOK_LAST);

  // Beside requests: %{HC_BODY} in ProxyHCExpr; mod_fleet's section of /server-status (an
  // optional hook: nothing happens when mod_status is not loaded).
  ap_hook_expr_lookup(hcExprLookup, nullptr, nullptr, APR_HOOK_MIDDLE);
  APR_OPTIONAL_HOOK(ap, status_hook, serverStatusSection, nullptr, nullptr, APR_HOOK_MIDDLE);
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
