#include "module/status_glue.h"

#include <cstring>

#include "module/guard.h"
#include "module/member_table_glue.h"
#include "module/proxy_api.h"
#include "module/cache_glue.h"
#include "module/health_glue.h"
#include "shared/common/clock.h"
#include "shared/health/lease.h"
#include "shared/health/record.h"
#include "shared/lb/member_health.h"
#include "shared/lb/peak_ewma.h"
#include "shared/status/model.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using status::HealthView;

std::vector<status::BalancerView> collect(request_rec* r) {
  std::vector<status::BalancerView> out;
  const ProxyApi& api = proxyApi();
  if (api.proxy == nullptr) {
    return out;
  }
  auto* conf = static_cast<proxy_server_conf*>(ap_get_module_config(r->server->module_config, api.proxy));
  if (conf == nullptr) {
    return out;
  }
  auto* balancers = reinterpret_cast<proxy_balancer*>(conf->balancers->elts);
  int64_t now = common::SteadyClock().nowMicros();
  for (int i = 0; i < conf->balancers->nelts; ++i) {
    proxy_balancer* b = &balancers[i];
    if (b->s == nullptr) {
      continue;
    }
    // Members added from balancer-manager reach this child's copy of the balancer only when it
    // syncs; do it now (as balancer-manager's own page does) so every child reports the same.
    if (PROXY_THREAD_LOCK(b) == APR_SUCCESS) {
      api.syncBalancer(b, r->server, conf);
      PROXY_THREAD_UNLOCK(b);
    }
    status::BalancerView bv;
    bv.name = b->s->name;
    bv.lbmethod = b->s->lbpname;
    auto** workers = reinterpret_cast<proxy_worker**>(b->workers->elts);
    for (int j = 0; j < b->workers->nelts; ++j) {
      proxy_worker* w = workers[j];
      status::MemberView mv;
      mv.name = w->s->name_ex;
      mv.route = w->s->route;
      mv.flags = api.parseWstatus(r->pool, w);
      mv.usable = PROXY_WORKER_IS_USABLE(w);
      mv.weight = static_cast<uint32_t>(w->s->lbfactor);
      mv.elected = static_cast<uint64_t>(w->s->elected);
      if (lb::MemberSlot* slot = slotFor(b, w)) {
        mv.inflight = slot->inflight.load(std::memory_order_relaxed);
        mv.requests = slot->requests.load(std::memory_order_relaxed);
        mv.latencyMicros = lb::PeakEwma::stored(slot->latency.load(std::memory_order_relaxed));
        mv.ejected = lb::isEjected(*slot, now);
        mv.ejectedForMicros = mv.ejected ? slot->ejectedUntil.load(std::memory_order_relaxed) - now : 0;
        mv.ejections = slot->ejections.load(std::memory_order_relaxed);
        mv.failures = slot->failures.load(std::memory_order_relaxed);
      }
      health::ProbeSpec spec = healthProbeSpec(w->s->method);
      if (spec.method != health::ProbeMethod::kNone) {
        HealthView& h = mv.health;
        h.checked = true;
        h.method = health::probeMethodName(spec);
        h.intervalMicros = w->s->interval;
        h.failing = (w->s->status & PROXY_WORKER_HC_FAIL) != 0;
        if (lb::MemberSlot* slot = slotFor(b, w)) {
          health::HealthSnapshot snap = health::readRecord(slot->health);
          h.checks = snap.checks;
          h.lastPassed = snap.lastPassed;
          h.reason = snap.reason;
          h.lastStatus = snap.lastStatus;
          h.lastLatencyMicros = snap.lastLatency;
          h.lastCheckedAgoMicros = snap.lastCheckedWall > 0 ? apr_time_now() - snap.lastCheckedWall : -1;
          h.history = health::historyString(snap, 20);
          h.certDaysLeft = snap.certDaysLeft;
          h.transitions = snap.transitions;
        }
      }
      bv.members.push_back(std::move(mv));
    }
    out.push_back(std::move(bv));
  }
  return out;
}

}  // namespace

int statusHandler(request_rec* r) {
  if (r->handler == nullptr || std::strcmp(r->handler, "fleet-status") != 0) {
    return DECLINED;
  }
  return guarded<int>(r->server, "fleet-status handler", HTTP_INTERNAL_SERVER_ERROR, [&] {
    if (r->method_number != M_GET) {
      return HTTP_METHOD_NOT_ALLOWED;
    }
    status::CheckerView checker;
    if (health::CheckerControl* c = checkerControl()) {
      uint64_t word = c->lease.load(std::memory_order_acquire);
      health::LeaseOwner owner = health::Lease::holder(word);
      checker.pid = owner.pid;
      checker.generation = owner.generation;
      checker.heartbeatAgeMicros = owner.pid ? health::Lease::ageMicros(word, common::SteadyClock().nowMicros()) : 0;
      checker.heldForMicros = owner.pid ? apr_time_now() - c->heldSinceWall.load(std::memory_order_relaxed) : 0;
      checker.members = c->members.load(std::memory_order_relaxed);
      checker.probes = c->probes.load(std::memory_order_relaxed);
      checker.takeovers = c->takeovers.load(std::memory_order_relaxed);
    }
    status::CacheView cacheView;
    std::vector<std::string> servers = cacheServerNames();
    cache::CacheShared* cs = cacheShared();
    if (cs != nullptr && !servers.empty()) {
      auto v = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
      cacheView.hits = v(cs->hits);
      cacheView.misses = v(cs->misses);
      cacheView.staleServed = v(cs->staleServed);
      cacheView.revalidated = v(cs->revalidated);
      cacheView.coalesced = v(cs->coalesced);
      cacheView.stores = v(cs->stores);
      cacheView.storeFailures = v(cs->storeFailures);
      cacheView.bytesStored = v(cs->bytesStored);
      cacheView.bytesServed = v(cs->bytesServed);
      cacheView.purges = v(cs->purges);
      cacheView.uncacheable = v(cs->uncacheable);
      for (size_t i = 0; i < servers.size() && i < cache::kMaxServers; ++i) {
        const cache::ServerShared& s = cs->servers[i];
        cacheView.servers.push_back({servers[i], s.down.load(std::memory_order_relaxed) == 0,
                                     v(s.ops), v(s.errors), s.latencyMicros.load(std::memory_order_relaxed)});
      }
    }
    std::string body = status::renderJson(collect(r), &checker, servers.empty() ? nullptr : &cacheView);
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_rwrite(body.data(), static_cast<int>(body.size()), r);
    return OK;
  });
}

}  // namespace fleet::glue
