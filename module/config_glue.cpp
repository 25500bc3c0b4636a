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

// A C++ object owned by an httpd pool: deleted when the pool is cleared or destroyed.
template <typename T>
T* poolOwned(apr_pool_t* p, T* object) {
  apr_pool_cleanup_register(
      p, object,
      [](void* o) -> apr_status_t {
        delete static_cast<T*>(o);
        return APR_SUCCESS;
      },
      apr_pool_cleanup_null);
  return object;
}

const char* setDecisionHeader(cmd_parms* cmd, void* dir, int on) {
  return guarded<const char*>(cmd->server, "FleetDecisionHeader", "FleetDecisionHeader failed",
                              [&]() -> const char* {
                                static_cast<DirConfig*>(dir)->decisionHeader = on ? 1 : 0;
                                return nullptr;
                              });
}

const char* setDecisionNote(cmd_parms* cmd, void* dir, int on) {
  return guarded<const char*>(cmd->server, "FleetDecisionNote", "FleetDecisionNote failed",
                              [&]() -> const char* {
                                static_cast<DirConfig*>(dir)->decisionNote = on ? 1 : 0;
                                return nullptr;
                              });
}

}  // namespace

void* createDirConfig(apr_pool_t* p, char*) {
  return guarded<void*>(nullptr, "create_dir_config", nullptr,
                        [&]() -> void* { return poolOwned(p, new DirConfig()); });
}

void* mergeDirConfig(apr_pool_t* p, void* base, void* add) {
  return guarded<void*>(nullptr, "merge_dir_config", nullptr, [&]() -> void* {
    const auto* b = static_cast<const DirConfig*>(base);
    const auto* a = static_cast<const DirConfig*>(add);
    auto* merged = poolOwned(p, new DirConfig(*b));
    if (a->decisionHeader != -1) {
      merged->decisionHeader = a->decisionHeader;
    }
    if (a->decisionNote != -1) {
      merged->decisionNote = a->decisionNote;
    }
    return merged;
  });
}

const DirConfig& dirConfig(request_rec* r) {
  static const DirConfig kDefaults;
  const auto* d = static_cast<const DirConfig*>(ap_get_module_config(r->per_dir_config, &fleet_module));
  return d != nullptr ? *d : kDefaults;
}

#define FLEET_LBMETHOD_CHECK(name) \
  AP_INIT_RAW_ARGS(name, asCmdFunc(checkLbmethod), nullptr, \
                   RSRC_CONF | ACCESS_CONF | OR_ALL, "checked by mod_fleet, then mod_proxy")

const command_rec kCommands[] = {
    FLEET_LBMETHOD_CHECK("ProxySet"),
    FLEET_LBMETHOD_CHECK("ProxyPass"),
    FLEET_LBMETHOD_CHECK("ProxyPassMatch"),
    FLEET_LBMETHOD_CHECK("<Proxy"),
    FLEET_LBMETHOD_CHECK("<ProxyMatch"),
    AP_INIT_FLAG("FleetDecisionHeader", asCmdFunc(setDecisionHeader), nullptr,
                 RSRC_CONF | ACCESS_CONF,
                 "On adds X-Fleet-Decision (why this member was chosen) to proxied responses; "
                 "default Off"),
    AP_INIT_FLAG("FleetDecisionNote", asCmdFunc(setDecisionNote), nullptr, RSRC_CONF | ACCESS_CONF,
                 "On records why each member was chosen in the request note FLEET_DECISION "
                 "(LogFormat %{FLEET_DECISION}n); default Off"),
    {nullptr, nullptr, nullptr, 0, RAW_ARGS, nullptr},
};

}  // namespace fleet::glue
