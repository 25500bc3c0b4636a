#include "module/config_glue.h"

#include <string>
#include <vector>

#include "module/guard.h"
#include "shared/config/messages.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

std::vector<std::string> lbmethodNames(apr_pool_t* p) {
  std::vector<std::string> names;
  apr_array_header_t* list = ap_list_provider_names(p, PROXY_LBMETHOD, "0");
  if (list != nullptr) {
    auto* e = reinterpret_cast<ap_list_provider_names_t*>(list->elts);
    for (int i = 0; i < list->nelts; ++i) {
      names.emplace_back(e[i].provider_name);
    }
  }
  return names;
}

// Runs before mod_proxy's handler of the same directive (later-loaded modules are asked first
// and DECLINE_CMD passes the directive on). It only checks lbmethod=; mod_proxy does the rest.
const char* checkLbmethod(cmd_parms* cmd, void*, const char* args) {
  return guarded<const char*>(cmd->server, "lbmethod check", DECLINE_CMD, [&]() -> const char* {
    std::string value;
    if (!config::findKeyValue(args, "lbmethod", &value)) {
      return DECLINE_CMD;
    }
    if (ap_lookup_provider(PROXY_LBMETHOD, value.c_str(), "0") != nullptr) {
      return DECLINE_CMD;
    }
    std::string msg = config::unknownChoice(cmd->cmd->name, "lbmethod", value,
                                            lbmethodNames(cmd->temp_pool));
    return apr_pstrdup(cmd->pool, msg.c_str());
  });
}

}  // namespace

#define FLEET_LBMETHOD_CHECK(name) \
  AP_INIT_RAW_ARGS(name, asCmdFunc(checkLbmethod), nullptr, \
                   RSRC_CONF | ACCESS_CONF | OR_ALL, "checked by mod_fleet, then mod_proxy")

const command_rec kCommands[] = {
    FLEET_LBMETHOD_CHECK("ProxySet"),
    FLEET_LBMETHOD_CHECK("ProxyPass"),
    FLEET_LBMETHOD_CHECK("ProxyPassMatch"),
    FLEET_LBMETHOD_CHECK("<Proxy"),
    FLEET_LBMETHOD_CHECK("<ProxyMatch"),
    {nullptr, nullptr, nullptr, 0, RAW_ARGS, nullptr},
};

}  // namespace fleet::glue
