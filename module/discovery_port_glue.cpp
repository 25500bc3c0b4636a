#include "module/discovery_port_glue.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "module/background_request.h"
#include "module/log.h"
#include "module/member_table_glue.h"
#include "module/proxy_api.h"
#include "shared/status/readers.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

// Discovered workers keep their resolved address this long in each child (httpd's addressttl);
// a slot given to another address is enabled only after kSettleMicros, once every child has
// dropped the old address and its pooled connections to it.
constexpr int kAddressTtlSeconds = 1;
constexpr int64_t kSettleMicros = 3000000;

// httpd's side of the runner: the members a line made, and balancer_manage for the changes.
class HttpdPort : public dns::DiscoveryPort {
 public:
  HttpdPort(std::vector<LineRef> lines, apr_pool_t* pool) : lines_(std::move(lines)), pool_(pool) {}

  std::vector<dns::MemberState> members(size_t i) override {
    const LineRef& l = lines_[i];
    std::vector<dns::MemberState> out;
    for (proxy_worker* w : workers(l)) {
      lb::MemberSlot* slot = slotFor(l.balancer, w);
      if (slot == nullptr || slot->discoveredBy.load(std::memory_order_relaxed) != l.index) {
        continue;
      }
      dns::MemberState m;
      m.url = w->s->name_ex;
      m.enabled = (w->s->status & PROXY_WORKER_DISABLED) == 0;
      m.draining = (w->s->status & PROXY_WORKER_DRAIN) != 0;
      // mod_fleet's own count, kept for every attempt whatever the lbmethod. Not httpd's `busy`:
      // children update it without atomics, so a lost decrement can leave it above zero for
      // good, and the member would never count as idle.
      m.inflight = slot->inflight.load(std::memory_order_relaxed);
      m.loadfactor = static_cast<uint32_t>(std::max(1, w->s->lbfactor / 100));
      m.lbset = static_cast<uint32_t>(w->s->lbset);
      int64_t reusedAt = slot->reusedAt.load(std::memory_order_relaxed);
      m.settling = !m.enabled && reusedAt != 0 && apr_time_now() - reusedAt < kSettleMicros;
      out.push_back(std::move(m));
    }
    return out;
  }

  size_t freeGrowth(size_t i) override {
    proxy_balancer* b = lines_[i].balancer;
    return b->storage != nullptr && b->wslot != nullptr ? b->storage->num_free_slots(b->wslot) : 0;
  }

  bool apply(size_t i, const dns::Action& a) override {
    const LineRef& l = lines_[i];
    const char* b = l.balancer->s->name;
    const char* name = l.spec.name.c_str();
    if (a.kind == dns::Action::Kind::kAdd) {
      if (!manage(l, {{"b_wyes", "1"}, {"b_nwrkr", a.url}}) || find(l, a.url) == nullptr) {
        FLEET_LOG_S(APLOG_WARNING, 0, l.server, 00031,
                    "%s: member %s from DNS %s could not be added (balancer-manager refused it)", b,
                    a.url.c_str(), name);
        return false;
      }
      claim(l, a.url);
      expireAddresses(find(l, a.url));
      FLEET_LOG_S(APLOG_NOTICE, 0, l.server, 00026, "%s: member %s added from DNS %s (lbset %u)", b,
                  a.url.c_str(), name, a.lbset);
      return enable(l, a);
    }
    if (a.kind == dns::Action::Kind::kReuse) {
      return reuse(l, a);
    }
    switch (a.kind) {
      case dns::Action::Kind::kEnable:
        FLEET_LOG_S(APLOG_NOTICE, 0, l.server, 00029, "%s: member %s is back in DNS %s: enabled", b,
                    a.url.c_str(), name);
        claim(l, a.url);
        return enable(l, a);
      case dns::Action::Kind::kUpdate:
        FLEET_LOG_S(APLOG_NOTICE, 0, l.server, 00030,
                    "%s: member %s now has loadfactor %u, lbset %u (DNS %s)", b, a.url.c_str(),
                    a.loadfactor, a.lbset, name);
        return manage(l, {{"w", a.url},
                          {"w_lf", std::to_string(a.loadfactor)},
                          {"w_ls", std::to_string(a.lbset)}});
      case dns::Action::Kind::kDrain:
        FLEET_LOG_S(APLOG_NOTICE, 0, l.server, 00027,
                    "%s: member %s left DNS %s: draining (no new requests)", b, a.url.c_str(),
                    name);
        return manage(l, {{"w", a.url}, {"w_status_N", "1"}});
      case dns::Action::Kind::kDisable:
        FLEET_LOG_S(APLOG_NOTICE, 0, l.server, 00028, "%s: member %s drained and idle: disabled", b,
                    a.url.c_str());
        return manage(l, {{"w", a.url}, {"w_status_D", "1"}, {"w_status_N", "0"}});
      default:
        return false;
    }
  }

  void noRoom(size_t i, const std::string& url) override {
    const LineRef& l = lines_[i];
    if (noRoomLogged_.insert(url).second) {
      FLEET_LOG_S(APLOG_WARNING, 0, l.server, 00032,
                  "%s: no free slot for %s from DNS %s (slots=%u, all taken; the slot of a member "
                  "gone from DNS is given to it once that member is idle)",
                  l.balancer->s->name, url.c_str(), l.spec.name.c_str(), l.spec.slots);
    }
  }

  void failing(size_t i, const std::string& why, size_t kept) override {
    const LineRef& l = lines_[i];
    FLEET_LOG_S(APLOG_WARNING, 0, l.server, 00033,
                "%s: DNS %s failed (%s); its %" APR_SIZE_T_FMT
                " member(s) stay until it has failed for FleetResolverHold",
                l.balancer->s->name, l.spec.name.c_str(), why.c_str(), kept);
  }

 private:
  // The balancer's workers as every child sees them (members added elsewhere included).
  std::vector<proxy_worker*> workers(const LineRef& l) {
    std::vector<proxy_worker*> out;
    if (PROXY_THREAD_LOCK(l.balancer) != APR_SUCCESS) {
      return out;
    }
    proxyApi().syncBalancer(l.balancer, l.server, l.conf);
    auto** w = reinterpret_cast<proxy_worker**>(l.balancer->workers->elts);
    out.assign(w, w + l.balancer->workers->nelts);
    PROXY_THREAD_UNLOCK(l.balancer);
    return out;
  }

  proxy_worker* find(const LineRef& l, const std::string& url) {
    for (proxy_worker* w : workers(l)) {
      if (url == w->s->name_ex) {
        return w;
      }
    }
    return nullptr;
  }

  // Every child re-resolves the worker's address within kAddressTtlSeconds (the worker's name is
  // an address literal: no DNS query), so a slot given to another address is followed.
  static void expireAddresses(proxy_worker* w) {
    if (w != nullptr) {
      w->s->address_ttl = kAddressTtlSeconds;
      w->s->address_ttl_set = 1;
    }
  }

  // The slot of a member gone from DNS, disabled and idle, given to a new address: the worker's
  // name and address rewritten in shared memory (its identity hash kept, so no child takes it for
  // a new worker), a fresh member slot for the new name, and every process told to look its
  // members' slots up again. It stays disabled until settled (members() says so meanwhile).
  bool reuse(const LineRef& l, const dns::Action& a) {
    proxy_worker* w = find(l, a.from);
    lb::MemberSlot* old = w != nullptr ? slotFor(l.balancer, w) : nullptr;
    if (old == nullptr || (w->s->status & PROXY_WORKER_DISABLED) == 0 ||
        old->inflight.load(std::memory_order_relaxed) != 0 || a.host.empty() ||
        a.url.size() >= sizeof(w->s->name_ex) || a.host.size() >= sizeof(w->s->hostname_ex)) {
      return false;  // busy again, or gone: the next reconcile decides anew
    }
    if (PROXY_THREAD_LOCK(l.balancer) != APR_SUCCESS) {
      return false;
    }
    proxy_worker_shared* s = w->s;
    apr_cpystrn(s->name_ex, a.url.c_str(), sizeof(s->name_ex));
    apr_cpystrn(s->name, a.url.c_str(), sizeof(s->name));
    apr_cpystrn(s->hostname_ex, a.host.c_str(), sizeof(s->hostname_ex));
    apr_cpystrn(s->hostname, a.host.c_str(), sizeof(s->hostname));
    s->port = static_cast<apr_port_t>(a.port);
    s->status &= ~(PROXY_WORKER_IN_ERROR | PROXY_WORKER_HC_FAIL | PROXY_WORKER_DRAIN);
    s->error_time = 0;
    s->elected = 0;
    s->read = 0;
    s->transferred = 0;
    s->lbstatus = 0;
    s->pcount = 0;
    s->fcount = 0;
    expireAddresses(w);
    PROXY_THREAD_UNLOCK(l.balancer);
    discoveryShared()->renames.fetch_add(1, std::memory_order_acq_rel);
    if (lb::MemberSlot* slot = slotFor(l.balancer, w)) {
      slot->discoveredBy.store(l.index, std::memory_order_relaxed);
      slot->discoveredAt.store(apr_time_now(), std::memory_order_relaxed);
      slot->reusedAt.store(apr_time_now(), std::memory_order_relaxed);
    }
    FLEET_LOG_S(APLOG_NOTICE, 0, l.server, 00037,
                "%s: member %s from DNS %s takes the slot of %s (gone from DNS, idle); enabled "
                "once every child has let go of the old address",
                l.balancer->s->name, a.url.c_str(), l.spec.name.c_str(), a.from.c_str());
    return manage(
        l,
        {{"w", a.url}, {"w_lf", std::to_string(a.loadfactor)}, {"w_ls", std::to_string(a.lbset)}});
  }

  // Marks the member as this line's (its slot is shared, so the next lease holder knows it).
  void claim(const LineRef& l, const std::string& url) {
    proxy_worker* w = find(l, url);
    lb::MemberSlot* slot = w != nullptr ? slotFor(l.balancer, w) : nullptr;
    if (slot != nullptr) {
      slot->discoveredBy.store(l.index, std::memory_order_relaxed);
      slot->discoveredAt.store(apr_time_now(), std::memory_order_relaxed);
    }
  }

  bool enable(const LineRef& l, const dns::Action& a) {
    return manage(l, {{"w", a.url},
                      {"w_lf", std::to_string(a.loadfactor)},
                      {"w_ls", std::to_string(a.lbset)},
                      {"w_status_N", "0"},
                      {"w_status_D", "0"}});
  }

  // One balancer-manager edit through mod_proxy_balancer's own balancer_manage, under the
  // balancer's thread lock (adding a worker allocates from the configuration pool, which
  // request threads also use when they sync the balancer).
  bool manage(const LineRef& l, std::vector<std::pair<std::string, std::string>> params) {
    static APR_OPTIONAL_FN_TYPE(balancer_manage)* fn = APR_RETRIEVE_OPTIONAL_FN(balancer_manage);
    if (fn == nullptr) {
      return false;
    }
    apr_pool_t* p = nullptr;
    apr_pool_create(&p, pool_);
    request_rec* r = backgroundRequest(p, l.server);
    apr_table_t* t = apr_table_make(p, 8);
    apr_table_set(t, "b", std::string(status::shortBalancerName(l.balancer->s->name)).c_str());
    for (const auto& [k, v] : params) {
      apr_table_set(t, k.c_str(), v.c_str());
    }
    bool ok = false;
    if (PROXY_THREAD_LOCK(l.balancer) == APR_SUCCESS) {
      ok = fn(r, t) == APR_SUCCESS;
      PROXY_THREAD_UNLOCK(l.balancer);
    }
    apr_pool_destroy(p);
    return ok;
  }

  std::vector<LineRef> lines_;
  apr_pool_t* pool_;
  std::set<std::string> noRoomLogged_;
};

}  // namespace

std::unique_ptr<dns::DiscoveryPort> makeHttpdPort(std::vector<LineRef> lines, apr_pool_t* pool) {
  return std::make_unique<HttpdPort>(std::move(lines), pool);
}

}  // namespace fleet::glue
