#include "module/maglev_glue.h"

#include <memory>
#include <unordered_map>

#include "module/log.h"
#include "module/member_table_glue.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

// Maglev tables, per process and balancer. All children build the same table from the same
// members, so a key maps to the same member whichever child serves it. Filled at post_config with
// one entry per configured balancer and never resized afterwards.
struct MaglevCache {
  struct Entry {
    uint64_t signature = 0;
    std::shared_ptr<const lb::MaglevTable> table;
  };
  std::unordered_map<const void*, Entry> tables;
  bool preRegistered = false;  // set once every configured balancer has its entry
};
MaglevCache* g_maglev = nullptr;

// The table for exactly these members and weights, rebuilt only when they change.
}  // namespace

std::shared_ptr<const lb::MaglevTable> maglevTable(proxy_balancer* b, const lb::Candidate* c,
                                                   const uint32_t* baseWeights, size_t n,
                                                   uint32_t size, server_rec* s) {
  uint64_t signature = lb::MaglevTable::signature(c, baseWeights, n, size);
  // Every configured balancer has an entry from post_config, so the map is never resized after
  // fork; an entry is only touched by the finder, which httpd runs under the balancer's own
  // per-process lock. So the usual case needs no lock of ours.
  auto it = g_maglev->tables.find(b->s);
  if (it == g_maglev->tables.end() || !g_maglev->preRegistered) {
    // Not configured at startup (2.4 creates no balancers at runtime): build without caching,
    // as inserting into the map here could race with the lock-free lookups.
    FLEET_LOG_S(APLOG_DEBUG, 0, s, 00012,
                "maglev table of %s built uncached: the balancer was "
                "not known at startup",
                b->s->name);
    return std::make_shared<const lb::MaglevTable>(
        lb::MaglevTable::buildFor(c, baseWeights, n, size));
  }
  MaglevCache::Entry& e = it->second;
  if (!e.table || e.signature != signature) {
    e.table =
        std::make_shared<const lb::MaglevTable>(lb::MaglevTable::buildFor(c, baseWeights, n, size));
    e.signature = signature;
    FLEET_LOG_S(APLOG_DEBUG, 0, s, 00007,
                "maglev table of %s built: %" APR_SIZE_T_FMT " members, %u entries", b->s->name, n,
                size);
  }
  return e.table;
}

void prepareMaglevTables(apr_pool_t* pconf, server_rec* s) {
  g_maglev = new MaglevCache();
  apr_pool_cleanup_register(
      pconf, nullptr,
      [](void*) -> apr_status_t {
        delete g_maglev;
        g_maglev = nullptr;
        return APR_SUCCESS;
      },
      apr_pool_cleanup_null);
  // One entry per configured balancer, so the map is never resized after fork.
  forEachBalancer(s, [](proxy_balancer* b) { g_maglev->tables[b->s]; });
  g_maglev->preRegistered = true;
}

}  // namespace fleet::glue
