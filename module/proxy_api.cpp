#include "module/proxy_api.h"

#include <dlfcn.h>

namespace fleet::glue {
namespace {

ProxyApi g_api;

template <typename T>
T lookup(const char* symbol) {
  return reinterpret_cast<T>(dlsym(RTLD_DEFAULT, symbol));
}

}  // namespace

std::string ProxyApi::missing() const {
  std::string out;
  auto add = [&out](const std::string& what) { out += (out.empty() ? "" : "; ") + what; };
  if (proxy == nullptr) {
    add("mod_proxy is not loaded (add: LoadModule proxy_module modules/mod_proxy.so)");
  } else {
    if (hookPostRequest == nullptr) {
      add("mod_proxy lacks proxy_hook_post_request");
    }
    if (hookSchemeHandler == nullptr) {
      add("mod_proxy lacks proxy_hook_scheme_handler");
    }
    if (parseWstatus == nullptr) {
      add("mod_proxy lacks ap_proxy_parse_wstatus");
    }
    if (syncBalancer == nullptr) {
      add("mod_proxy lacks ap_proxy_sync_balancer");
    }
    if (preRequest == nullptr || initializeWorker == nullptr || runSchemeHandler == nullptr ||
        getBalancer == nullptr) {
      add("mod_proxy lacks ap_proxy_pre_request, ap_proxy_initialize_worker, "
          "proxy_run_scheme_handler or ap_proxy_get_balancer");
    }
  }
  if (balancer == nullptr) {
    add("mod_proxy_balancer is not loaded (add: LoadModule proxy_balancer_module "
        "modules/mod_proxy_balancer.so)");
  } else if (getBestWorker == nullptr) {
    add("mod_proxy lacks proxy_balancer_get_best_worker (httpd 2.4.35 or later is needed)");
  }
  return out;
}

const ProxyApi& resolveProxyApi() {
  g_api = ProxyApi();
  g_api.proxy = ap_find_linked_module("mod_proxy.c");
  g_api.balancer = ap_find_linked_module("mod_proxy_balancer.c");
  if (g_api.proxy != nullptr) {
    g_api.hookPostRequest = lookup<decltype(g_api.hookPostRequest)>("proxy_hook_post_request");
    g_api.hookSchemeHandler =
        lookup<decltype(g_api.hookSchemeHandler)>("proxy_hook_scheme_handler");
    g_api.parseWstatus = lookup<decltype(g_api.parseWstatus)>("ap_proxy_parse_wstatus");
    g_api.syncBalancer = lookup<decltype(g_api.syncBalancer)>("ap_proxy_sync_balancer");
    g_api.preRequest = lookup<decltype(g_api.preRequest)>("ap_proxy_pre_request");
    g_api.initializeWorker = lookup<decltype(g_api.initializeWorker)>("ap_proxy_initialize_worker");
    g_api.runSchemeHandler = lookup<decltype(g_api.runSchemeHandler)>("proxy_run_scheme_handler");
    g_api.getBalancer = lookup<decltype(g_api.getBalancer)>("ap_proxy_get_balancer");
    g_api.getBestWorker = APR_RETRIEVE_OPTIONAL_FN(proxy_balancer_get_best_worker);
  }
  return g_api;
}

const ProxyApi& proxyApi() { return g_api; }

}  // namespace fleet::glue
