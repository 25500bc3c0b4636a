#include "module/config_glue.h"

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "module/guard.h"
#include "module/health_config_glue.h"
#include "module/proxy_api.h"
#include "shared/config/messages.h"
#include "shared/lb/maglev.h"
#include "shared/lb/peak_ewma.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using config::Id;

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
    std::string msg =
        config::unknownChoice(cmd->cmd->name, "lbmethod", value, lbmethodNames(cmd->temp_pool));
    return apr_pstrdup(cmd->pool, msg.c_str());
  });
}

// What parsers make lives as long as the configuration: until its pool is cleared.
class PoolKeeper : public config::Keeper {
 public:
  explicit PoolKeeper(apr_pool_t* p) : pool_(p) {}
  const void* keep(std::shared_ptr<const void> object) override {
    auto* held = new std::shared_ptr<const void>(std::move(object));
    apr_pool_cleanup_register(
        pool_, held,
        [](void* h) -> apr_status_t {
          delete static_cast<std::shared_ptr<const void>*>(h);
          return APR_SUCCESS;
        },
        apr_pool_cleanup_null);
    return held->get();
  }

 private:
  apr_pool_t* pool_;
};

// Where `FleetCache on` was written, for crossCheck (cleared with the configuration).
std::vector<std::string>* g_cacheLocations = nullptr;

void noteCacheLocation(cmd_parms* cmd) {
  if (g_cacheLocations == nullptr) {
    g_cacheLocations = new std::vector<std::string>();
    apr_pool_cleanup_register(
        cmd->pool, nullptr,
        [](void*) -> apr_status_t {
          delete g_cacheLocations;
          g_cacheLocations = nullptr;
          return APR_SUCCESS;
        },
        apr_pool_cleanup_null);
  }
  g_cacheLocations->push_back(cmd->path != nullptr ? cmd->path : "the server configuration");
}

// Where FleetDiscover was written outside a <Proxy balancer://...> section, for crossCheck.
std::vector<std::string>* g_misplacedDiscover = nullptr;

void noteDiscoverLocation(cmd_parms* cmd) {
  if (cmd->path != nullptr && std::strncmp(cmd->path, "balancer://", 11) == 0) {
    return;
  }
  if (g_misplacedDiscover == nullptr) {
    g_misplacedDiscover = new std::vector<std::string>();
    apr_pool_cleanup_register(
        cmd->pool, nullptr,
        [](void*) -> apr_status_t {
          delete g_misplacedDiscover;
          g_misplacedDiscover = nullptr;
          return APR_SUCCESS;
        },
        apr_pool_cleanup_null);
  }
  g_misplacedDiscover->push_back(cmd->path != nullptr ? cmd->path : "the server configuration");
}

// Whether FleetRetry or FleetProxyStatus is on anywhere in this configuration (the scheme
// handler wrapper then looks at each balanced request; else it costs one load).
bool g_resilienceAnywhere = false;

void noteResilience(cmd_parms* cmd) {
  if (!g_resilienceAnywhere) {
    g_resilienceAnywhere = true;
    apr_pool_cleanup_register(
        cmd->pool, nullptr,
        [](void*) -> apr_status_t {
          g_resilienceAnywhere = false;
          return APR_SUCCESS;
        },
        apr_pool_cleanup_null);
  }
}

// FleetHashKey is an ap_expr: only httpd can parse it.
const char* parseHashKey(cmd_parms* cmd, DirConfig* d, const std::vector<std::string>& words) {
  const char* err = nullptr;
  ap_expr_info_t* expr =
      ap_expr_parse_cmd(cmd, words[0].c_str(), AP_EXPR_FLAG_STRING_RESULT, &err, nullptr);
  if (err != nullptr) {
    return apr_psprintf(
        cmd->pool,
        "FleetHashKey: '%s' is not a valid expression (%s); accepted: an ap_expr string such "
        "as \"%%{HTTP:X-User-Id}\", \"%%{REQUEST_URI}\" or \"%%{REMOTE_ADDR}\"",
        words[0].c_str(), err);
  }
  config::Value v;
  v.object = expr;
  d->s.assign(Id::kHashKey, v);
  return nullptr;
}

// Every mod_fleet directive comes here, its declaration in cmd->info.
const char* applyWords(cmd_parms* cmd, void* dir, std::vector<std::string> words) {
  const auto& o = *static_cast<const config::Option*>(cmd->info);
  if (o.where == config::Where::kMainServer) {
    if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) {
      return err;
    }
  } else if (o.where == config::Where::kServer) {
    if (const char* err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE)) {
      return err;
    }
  }
  auto* d = static_cast<DirConfig*>(dir);
  if (o.parse == nullptr) {
    if (words.size() != 1) {
      return apr_psprintf(cmd->pool, "%s takes one argument, %s", o.name, o.help);
    }
    return parseHashKey(cmd, d, words);
  }
  PoolKeeper keeper(cmd->pool);
  std::string err = config::apply(&d->s, o, words, keeper);
  if (!err.empty()) {
    return apr_pstrdup(cmd->pool, err.c_str());
  }
  if (o.id == Id::kCache && d->s.flag(Id::kCache)) {
    noteCacheLocation(cmd);
  }
  if (o.id == Id::kDiscover) {
    noteDiscoverLocation(cmd);
  }
  if ((o.id == Id::kRetry && d->s.object<void>(Id::kRetry) != nullptr) ||
      (o.id == Id::kProxyStatus && d->s.flag(Id::kProxyStatus))) {
    noteResilience(cmd);
  }
  return nullptr;
}

const char* onRaw(cmd_parms* cmd, void* dir, const char* args) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed",
                              [&]() -> const char* {
                                std::vector<std::string> words;
                                while (*args != '\0') {
                                  const char* w = ap_getword_conf(cmd->temp_pool, &args);
                                  if (*w == '\0' && *args == '\0') {
                                    break;
                                  }
                                  words.emplace_back(w);
                                }
                                return applyWords(cmd, dir, std::move(words));
                              });
}

const char* onFlag(cmd_parms* cmd, void* dir, int on) {
  return guarded<const char*>(
      cmd->server, cmd->cmd->name, "directive failed",
      [&]() -> const char* { return applyWords(cmd, dir, {on ? "on" : "off"}); });
}

command_rec entry(const char* name, cmd_func func, const void* info, int override, cmd_how how,
                  const char* help) {
  command_rec c{};
  c.name = name;
  c.func = func;
  c.cmd_data = const_cast<void*>(info);  // httpd hands it back as cmd->info, read-only
  c.req_override = override;
  c.args_how = how;
  c.errmsg = help;
  return c;
}

constexpr size_t kOtherCommands = 8;  // the lbmethod checks and mod_proxy_hcheck's directives

// The table httpd reads from the module struct, made from the declarations when the module is
// loaded (memory only: nothing starts here).
struct CommandTable {
  CommandTable() {
    size_t n = 0;
    for (const char* name : {"ProxySet", "ProxyPass", "ProxyPassMatch", "<Proxy", "<ProxyMatch"}) {
      kCommands[n++] =
          entry(name, asCmdFunc(checkLbmethod), nullptr, RSRC_CONF | ACCESS_CONF | OR_ALL, RAW_ARGS,
                "checked by mod_fleet, then mod_proxy");
    }
    for (const config::Option& o : config::options()) {
      int override = o.where == config::Where::kAnywhere ? RSRC_CONF | ACCESS_CONF : RSRC_CONF;
      kCommands[n++] = config::isSwitch(o)
                           ? entry(o.name, asCmdFunc(onFlag), &o, override, FLAG, o.help)
                           : entry(o.name, asCmdFunc(onRaw), &o, override, RAW_ARGS, o.help);
    }
    // mod_proxy_hcheck's directives, with the same meaning (mod_fleet replaces that module).
    kCommands[n++] =
        entry("ProxyHCExpr", asCmdFunc(setHcExpr), nullptr, OR_FILEINFO, RAW_ARGS,
              "ProxyHCExpr name {expression}: a health check condition for hcexpr=name");
    kCommands[n++] =
        entry("ProxyHCTemplate", asCmdFunc(setHcTemplate), nullptr, OR_FILEINFO, RAW_ARGS,
              "ProxyHCTemplate name key=value...: hc* parameters for hctemplate=name");
    kCommands[n++] =
        entry("ProxyHCTPsize", asCmdFunc(setHcThreadPoolSize), nullptr, RSRC_CONF, TAKE1,
              "accepted for mod_proxy_hcheck compatibility; mod_fleet needs no thread pool");
    kCommands[n] = command_rec{};
  }
};
const CommandTable kBuild;

}  // namespace

bool resilienceAnywhere() { return g_resilienceAnywhere; }

const DirConfig* balancerSection(proxy_server_conf* conf, proxy_balancer* b) {
  ap_conf_vector_t* vec = b->section_config;
  if (vec == nullptr && conf->sec_proxy != nullptr && proxyApi().proxy != nullptr) {
    auto** sections = reinterpret_cast<ap_conf_vector_t**>(conf->sec_proxy->elts);
    for (int i = 0; i < conf->sec_proxy->nelts && vec == nullptr; ++i) {
      auto* pd = static_cast<proxy_dir_conf*>(ap_get_module_config(sections[i], proxyApi().proxy));
      if (pd != nullptr && pd->p != nullptr && ap_cstr_casecmp(pd->p, b->s->name) == 0) {
        vec = sections[i];
      }
    }
  }
  return vec != nullptr ? static_cast<const DirConfig*>(ap_get_module_config(vec, &fleet_module))
                        : nullptr;
}

command_rec kCommands[config::kOptionCount + kOtherCommands + 1];

lb::HealthConfig DirConfig::health() const {
  lb::HealthConfig h;
  h.consecutiveFailures = static_cast<uint32_t>(number(Id::kOutlierConsecutive));
  h.baseEjectionMicros = number(Id::kOutlierBaseTime);
  h.maxEjectionMicros = std::max(number(Id::kOutlierMaxTime), h.baseEjectionMicros);
  h.maxEjectedPercent = static_cast<uint32_t>(number(Id::kOutlierMaxPercent));
  h.slowStartMicros = number(Id::kSlowStart);
  h.panicPercent = static_cast<uint32_t>(number(Id::kPanicThreshold));
  return h;
}

cache::CacheSettings DirConfig::cacheSettings() const {
  cache::CacheSettings s;
  s.limits.defaultStaleWhileRevalidate = number(Id::kCacheStaleWhileRevalidate);
  s.limits.defaultStaleIfError = number(Id::kCacheStaleIfError);
  s.limits.statuses = *object<cache::StatusSet>(Id::kCacheStatuses);
  s.limits.targetedField = *object<std::string>(Id::kCacheTargetedField);
  s.limits.cdnCacheControl = flag(Id::kCacheCdnControl);
  s.maxObjectBytes = static_cast<uint64_t>(number(Id::kCacheMaxObjectSize));
  s.lockWaitMicros = number(Id::kCacheLockWait);
  s.purge = flag(Id::kCachePurge);
  s.softPurge = flag(Id::kCachePurgeSoft);
  s.hitForMissSeconds = number(Id::kCacheHitForMiss);
  return s;
}

static_assert(std::is_trivially_destructible_v<DirConfig>, "DirConfig lives in pool memory");

void* createDirConfig(apr_pool_t* p, char*) {
  return guarded<void*>(nullptr, "create_dir_config", nullptr, [&]() -> void* {
    return new (apr_palloc(p, sizeof(DirConfig))) DirConfig();
  });
}

void* mergeDirConfig(apr_pool_t* p, void* base, void* add) {
  return guarded<void*>(nullptr, "merge_dir_config", nullptr, [&]() -> void* {
    auto* m = new (apr_palloc(p, sizeof(DirConfig))) DirConfig();
    m->s = config::Settings::merged(static_cast<const DirConfig*>(base)->s,
                                    static_cast<const DirConfig*>(add)->s);
    return m;
  });
}

const DirConfig& dirConfig(request_rec* r) {
  static const DirConfig kDefaults;
  const auto* d =
      static_cast<const DirConfig*>(ap_get_module_config(r->per_dir_config, &fleet_module));
  return d != nullptr ? *d : kDefaults;
}

const DirConfig& serverSettings(server_rec* s) {
  static const DirConfig kDefaults;
  const auto* d =
      static_cast<const DirConfig*>(ap_get_module_config(s->lookup_defaults, &fleet_module));
  return d != nullptr ? *d : kDefaults;
}

std::string crossCheck(server_rec* s) {
  if (g_misplacedDiscover != nullptr && !g_misplacedDiscover->empty()) {
    return "FleetDiscover (in " + g_misplacedDiscover->front() +
           ") belongs inside <Proxy balancer://name>: the members it finds join that balancer";
  }
  if (g_cacheLocations == nullptr || g_cacheLocations->empty() ||
      serverSettings(s).s.has(Id::kCacheServers)) {
    return "";
  }
  std::string where;
  for (const std::string& l : *g_cacheLocations) {
    where += (where.empty() ? "" : ", ") + l;
  }
  return "FleetCache on (in " + where +
         ") needs FleetCacheServers host:port... in the main server "
         "configuration: without memcached servers there is no cache";
}

}  // namespace fleet::glue
