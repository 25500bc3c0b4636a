// mod_proxy's entry points, resolved at pre_config instead of at dlopen: mod_fleet then loads in
// any order relative to mod_proxy, and a missing mod_proxy gets a clear FL error, not an
// "undefined symbol" from the dynamic linker.
#pragma once

#include <string>

#include "module/httpd_includes.h"

namespace fleet::glue {

struct ProxyApi {
  decltype(&proxy_hook_post_request) hookPostRequest = nullptr;
  decltype(&proxy_hook_scheme_handler) hookSchemeHandler = nullptr;
  decltype(&ap_proxy_parse_wstatus) parseWstatus = nullptr;
  decltype(&ap_proxy_sync_balancer) syncBalancer = nullptr;
  // The retry loop's: pick a member again, set it up, run the scheme handlers for it.
  decltype(&ap_proxy_pre_request) preRequest = nullptr;
  decltype(&ap_proxy_initialize_worker) initializeWorker = nullptr;
  decltype(&proxy_run_scheme_handler) runSchemeHandler = nullptr;
  decltype(&ap_proxy_get_balancer) getBalancer = nullptr;
  APR_OPTIONAL_FN_TYPE(proxy_balancer_get_best_worker) * getBestWorker = nullptr;
  module* proxy = nullptr;
  module* balancer = nullptr;

  // Empty when everything mod_fleet needs is there; else what is missing and how to fix it.
  std::string missing() const;
};

// Resolves everything; call from pre_config (all LoadModule lines have run by then).
const ProxyApi& resolveProxyApi();
const ProxyApi& proxyApi();

}  // namespace fleet::glue
