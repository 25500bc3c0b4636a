#include "module/member_table_glue.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <new>
#include <unordered_map>

#include "module/guard.h"
#include "module/health_config_glue.h"
#include "module/proxy_api.h"
#include "shared/lb/member_options.h"
#include "shared/lb/persist.h"
#include "shared/lb/slot_cache.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

lb::MemberTable* g_table = nullptr;
health::CheckerControl* g_control = nullptr;
cache::CacheShared* g_cacheShared = nullptr;
resilience::BalancerTable* g_balancers = nullptr;
dns::DiscoveryShared* g_discovery = nullptr;
const char* g_persistPath = nullptr;  // in pconf: still readable while pconf's cleanups run
pid_t g_parentPid = 0;
// Per process (a copy-on-write heap copy in each child), keyed by the address of the member's
// name_ex in httpd's shared worker struct: stable for the generation, never reused for another
// member, and the very pointer httpd puts into BALANCER_WORKER_NAME.
lb::SlotCache* g_cache = nullptr;
bool g_table_full_logged = false;
std::unordered_map<const proxy_worker*, lb::MemberOptions>* g_memberOptions = nullptr;
bool g_anyMemberSlowStart = false;
bool g_anyMemberMaxConn = false;

// Learned state older than this is not restored (the members may have changed meanwhile).
constexpr int64_t kPersistMaxAgeSeconds = 3600;

void saveLearned() {
  if (g_table == nullptr || g_persistPath == nullptr || getpid() != g_parentPid) {
    return;  // only the parent writes, once per generation
  }
  common::Status st = lb::saveLearnedFile(*g_table, g_persistPath);
  if (!st.isOk()) {
    FLEET_LOG_S(APLOG_WARNING, 0, nullptr, 00011, "learned member state not saved: %s",
                st.message().c_str());
  }
}

void restoreLearnedState(server_rec* s) {
  common::Result<size_t> n =
      lb::loadLearnedFile(*g_table, g_persistPath, std::time(nullptr), kPersistMaxAgeSeconds);
  if (n.isOk() && n.value() > 0) {
    FLEET_LOG_S(APLOG_INFO, 0, s, 00010,
                "restored learned state (latency, ejections) of %" APR_SIZE_T_FMT
                " members from %s",
                n.value(), g_persistPath);
  }
}

apr_status_t forgetTable(void*) {
  guarded<int>(nullptr, "saving learned member state", 0, [] {
    saveLearned();
    return 0;
  });
  g_table = nullptr;
  g_control = nullptr;
  g_cacheShared = nullptr;
  g_balancers = nullptr;
  g_discovery = nullptr;
  g_cache = nullptr;
  g_table_full_logged = false;
  return APR_SUCCESS;
}

apr_status_t forgetMemberOptions(void*) {
  delete g_memberOptions;
  g_memberOptions = nullptr;
  g_anyMemberSlowStart = false;
  g_anyMemberMaxConn = false;
  return APR_SUCCESS;
}

}  // namespace

const char kNotMemberParam[] = "not a mod_fleet member parameter";

const char* setMemberParam(proxy_worker* worker, const char* key, const char* value,
                           apr_pool_t* pconf) {
  if (g_memberOptions == nullptr) {
    g_memberOptions = new std::unordered_map<const proxy_worker*, lb::MemberOptions>();
    apr_pool_cleanup_register(pconf, nullptr, forgetMemberOptions, apr_pool_cleanup_null);
  }
  lb::MemberOptions& o = (*g_memberOptions)[worker];
  common::Result<bool> mine = lb::applyMemberParam(&o, key, value);
  if (!mine.isOk()) {
    return apr_pstrdup(pconf, mine.status().message().c_str());
  }
  if (!mine.value()) {
    return kNotMemberParam;
  }
  g_anyMemberSlowStart = g_anyMemberSlowStart || o.slowStartMicros != 0;
  g_anyMemberMaxConn = g_anyMemberMaxConn || o.maxConn > 0;
  if (o.tryTimeoutMicros > 0) {  // the member's socket timeout, for every attempt at it
    worker->s->timeout = o.tryTimeoutMicros;
    worker->s->timeout_set = 1;
  }
  return nullptr;
}

bool anyMemberSlowStart() { return g_anyMemberSlowStart; }
bool anyMemberMaxConn() { return g_anyMemberMaxConn; }

void forEachBalancer(server_rec* s, const std::function<void(proxy_balancer*)>& fn) {
  const ProxyApi& api = proxyApi();
  for (server_rec* v = s; v != nullptr; v = v->next) {
    auto* conf = static_cast<proxy_server_conf*>(ap_get_module_config(v->module_config, api.proxy));
    if (conf == nullptr) {
      continue;
    }
    auto* b = reinterpret_cast<proxy_balancer*>(conf->balancers->elts);
    for (int i = 0; i < conf->balancers->nelts; ++i) {
      if (b[i].s != nullptr) {
        fn(&b[i]);
      }
    }
  }
}

apr_status_t createMemberTable(apr_pool_t* pconf, server_rec* s) {
  size_t members = 0, balancers = 0;
  forEachBalancer(s, [&](proxy_balancer* b) {
    members += static_cast<size_t>(b->max_workers > 0 ? b->max_workers : b->workers->nelts);
    // A growth slot DNS discovery gives to another address takes a new member slot (slots are
    // never freed within a generation): room for each to be reused four times.
    members += 4 * static_cast<size_t>(std::max(0, b->max_workers - b->workers->nelts));
    ++balancers;
  });
  if (members < 64) {
    members = 64;
  }
  constexpr size_t kCheckerBytes = (sizeof(health::CheckerControl) + 63) / 64 * 64;
  constexpr size_t kCacheBytes = (sizeof(cache::CacheShared) + 63) / 64 * 64;
  constexpr size_t kControlBytes =
      kCheckerBytes + kCacheBytes + (sizeof(dns::DiscoveryShared) + 63) / 64 * 64;
  size_t balancerBytes = resilience::BalancerTable::bytesFor(balancers);
  size_t bytes = kControlBytes + balancerBytes + lb::MemberTable::bytesFor(members);
  apr_shm_t* shm = nullptr;
  apr_status_t rv = apr_shm_create(&shm, bytes, nullptr, pconf);
  if (rv != APR_SUCCESS) {
    FLEET_LOG_S(APLOG_EMERG, rv, s, 00003,
                "cannot create shared memory for %" APR_SIZE_T_FMT " member slots (%" APR_SIZE_T_FMT
                " bytes)",
                members, bytes);
    return rv;
  }
  char* base = static_cast<char*>(apr_shm_baseaddr_get(shm));
  std::memset(base, 0, kControlBytes);
  g_control = reinterpret_cast<health::CheckerControl*>(base);
  g_cacheShared = reinterpret_cast<cache::CacheShared*>(base + kCheckerBytes);
  g_discovery = reinterpret_cast<dns::DiscoveryShared*>(base + kCheckerBytes + kCacheBytes);
  // The balancers' retry budgets and queues, zeroed (their tickets and counters start at 0).
  std::memset(base + kControlBytes, 0, balancerBytes);
  g_balancers =
      new (apr_palloc(pconf, sizeof(resilience::BalancerTable))) resilience::BalancerTable(
          resilience::BalancerTable::format(base + kControlBytes, balancerBytes));
  forEachBalancer(
      s, [](proxy_balancer* b) { g_balancers->findOrClaim(resilience::balancerKey(b->s->name)); });
  size_t tableOffset = kControlBytes + balancerBytes;
  g_table = new (apr_palloc(pconf, sizeof(lb::MemberTable))) lb::MemberTable(
      lb::MemberTable::format(base + tableOffset, apr_shm_size_get(shm) - tableOffset));
  size_t cache_bytes = lb::SlotCache::bytesFor(members);
  g_cache = new (apr_palloc(pconf, sizeof(lb::SlotCache)))
      lb::SlotCache(lb::SlotCache::format(apr_palloc(pconf, cache_bytes), cache_bytes));
  apr_pool_cleanup_register(pconf, nullptr, forgetTable, apr_pool_cleanup_null);
  g_persistPath = ap_runtime_dir_relative(pconf, "fleet-members.state");
  g_parentPid = getpid();
  restoreLearnedState(s);
  // Claim every configured member now (mod_proxy_balancer's post_config has shared them), so
  // the children inherit a warm cache and no request hashes a member name.
  size_t hcFailing = 0;
  forEachBalancer(s, [&](proxy_balancer* b) {
    auto** w = reinterpret_cast<proxy_worker**>(b->workers->elts);
    for (int j = 0; j < b->workers->nelts; ++j) {
      if (w[j]->s != nullptr) {
        if (lb::MemberSlot* slot = slotFor(b, w[j])) {
          slot->wasUsable.store(1, std::memory_order_relaxed);  // configured: no slow start
          lb::MemberOptions own;
          if (g_memberOptions != nullptr) {
            auto it = g_memberOptions->find(w[j]);
            if (it != g_memberOptions->end()) {
              own = it->second;
            }
          }
          slot->slowStartMicros.store(own.slowStartMicros, std::memory_order_relaxed);
          slot->maxConn.store(own.maxConn, std::memory_order_relaxed);
          // The health checker's verdict from the last generation: a member that was failing
          // its checks stays out until it passes them again (httpd's own shared state is
          // created afresh on a restart unless BalancerPersist is on). Parent, one thread.
          if (slot->health.failing.load(std::memory_order_relaxed) &&
              healthProbeSpec(w[j]->s->method).method != health::ProbeMethod::kNone) {
            w[j]->s->status |= PROXY_WORKER_HC_FAIL;
            w[j]->s->pcount = 0;
            ++hcFailing;
          }
        }
      }
    }
  });
  FLEET_LOG_S(APLOG_DEBUG, 0, s, 00004,
              "member table: %" APR_SIZE_T_FMT " slots for %" APR_SIZE_T_FMT
              " members, %" APR_SIZE_T_FMT " claimed, %" APR_SIZE_T_FMT " HC-fail kept",
              g_table->capacity(), members, g_table->used(), hcFailing);
  return APR_SUCCESS;
}

lb::MemberTable* memberTable() { return g_table; }
health::CheckerControl* checkerControl() { return g_control; }
cache::CacheShared* cacheShared() { return g_cacheShared; }

dns::DiscoveryShared* discoveryShared() { return g_discovery; }

resilience::BalancerState* balancerState(proxy_balancer* b) {
  return g_balancers != nullptr && b != nullptr && b->s != nullptr
             ? g_balancers->find(resilience::balancerKey(b->s->name))
             : nullptr;
}

namespace {
uint64_t renameEpoch() {
  return g_discovery != nullptr ? g_discovery->renames.load(std::memory_order_acquire) : 0;
}
}  // namespace

lb::MemberSlot* slotFor(proxy_balancer* balancer, proxy_worker* worker) {
  if (g_table == nullptr) {
    return nullptr;
  }
  // The cache is keyed by the worker's shared struct; DNS discovery may give that struct (a
  // growth slot) to another address, and then bumps the epoch: each process looks again.
  uint64_t epoch = renameEpoch();
  if (lb::MemberSlot* cached = g_cache->find(worker->s->name_ex, epoch)) {
    return cached;
  }
  lb::MemberSlot* slot = g_table->findOrClaim(lb::memberKey(balancer->s->name, worker->s->name_ex));
  // Cached only when no rename happened meanwhile (the name read may be from either side of it).
  if (slot != nullptr && renameEpoch() == epoch) {
    g_cache->insert(worker->s->name_ex, slot, epoch);
  }
  if (slot == nullptr && !g_table_full_logged) {
    g_table_full_logged = true;
    FLEET_LOG_S(APLOG_WARNING, 0, nullptr, 00005,
                "member table full (%" APR_SIZE_T_FMT
                " slots): %s in %s balances without "
                "in-flight counts until restart",
                g_table->capacity(), worker->s->name_ex, balancer->s->name);
  }
  return slot;
}

lb::MemberSlot* slotForName(const char* balancer, const char* member) {
  if (g_table == nullptr) {
    return nullptr;
  }
  // Only look the pointer up: inserting it could cache a request-pool copy of the name.
  lb::MemberSlot* slot = g_cache->find(member, renameEpoch());
  return slot != nullptr ? slot : g_table->findOrClaim(lb::memberKey(balancer, member));
}

}  // namespace fleet::glue
