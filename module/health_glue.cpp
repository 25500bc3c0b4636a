// The health checker in httpd: the thread each child starts, which runs shared/health's
// Orchestrator (of all children, the lease holder checks); this file lists the balancers' members
// for it and applies results to httpd's workers.
#include "module/health_glue.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "module/background_request.h"
#include "module/background_thread.h"
#include "module/config_glue.h"
#include "module/discovery_glue.h"
#include "module/guard.h"
#include "module/health_config_glue.h"
#include "module/member_table_glue.h"
#include "module/proxy_api.h"
#include "shared/common/clock.h"
#include "shared/common/random.h"
#include "shared/dns/address_resolver.h"
#include "shared/dns/ares_resolver.h"
#include "shared/health/blocking_resolver.h"
#include "shared/health/checker_port.h"
#include "shared/health/member_state.h"
#include "shared/health/member_update.h"
#include "shared/health/orchestrator.h"
#include "shared/health/plan.h"
#include "shared/health/record.h"
#include "shared/health/resolve_cache.h"
#include "shared/lb/member_table.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

struct Member {
  proxy_balancer* balancer;
  proxy_worker* worker;
  server_rec* server;
  lb::MemberSlot* slot;  // may be nullptr (table full)
  health::ProbeSpec spec;
};

// A worker's shared hc fields for the core's state rule. The flags change atomically: request
// threads flip other status bits meanwhile.
class WorkerState : public health::MemberState {
 public:
  WorkerState(proxy_worker_shared* ws, lb::MemberSlot* slot) : ws_(ws), slot_(slot) {}
  bool hcFailed() const override { return (ws_->status & PROXY_WORKER_HC_FAIL) != 0; }
  bool inError() const override { return (ws_->status & PROXY_WORKER_IN_ERROR) != 0; }
  int passCount() const override { return ws_->pcount; }
  int failCount() const override { return ws_->fcount; }
  void setCounts(int pcount, int fcount) override {
    ws_->pcount = pcount;
    ws_->fcount = fcount;
  }
  int passesNeeded() const override { return ws_->passes; }
  int failsNeeded() const override { return ws_->fails; }
  void setHcFailed() override {
    __atomic_fetch_or(&ws_->status, PROXY_WORKER_HC_FAIL, __ATOMIC_RELAXED);
  }
  void clearHcFailedAndInError() override { clear(PROXY_WORKER_HC_FAIL | PROXY_WORKER_IN_ERROR); }
  void clearInError() override { clear(PROXY_WORKER_IN_ERROR); }
  lb::MemberSlot* slot() override { return slot_; }

 private:
  void clear(unsigned int bits) { __atomic_fetch_and(&ws_->status, ~bits, __ATOMIC_RELAXED); }
  proxy_worker_shared* ws_;
  lb::MemberSlot* slot_;
};

class CheckerThread : public health::CheckerPort {
 public:
  CheckerThread(server_rec* s, health::CheckerControl* control, uint32_t generation)
      : s_(s),
        rng_(static_cast<uint64_t>(getpid()) * 2654435761u),
        orchestrator_(
            *control, health::LeaseOwner{static_cast<uint32_t>(getpid()), generation}, *this,
            clock_, rng_, [this](int64_t us) { thread_.sleepFor(std::chrono::microseconds(us)); },
            [this] { return thread_.stopping(); }) {
    apr_allocator_create(&allocator_);
    apr_pool_create_ex(&pool_, nullptr, nullptr, allocator_);
    apr_allocator_owner_set(allocator_, pool_);
    // Member host names through c-ares (FleetResolver's servers, else resolv.conf), so a slow DNS
    // server holds up no check; getaddrinfo only if c-ares cannot start.
    dns::ResolverConfig rc;
    if (const auto* servers =
            serverSettings(s).object<std::vector<std::string>>(config::Id::kResolver)) {
      rc.servers = *servers;
    }
    common::Result<std::unique_ptr<dns::AresResolver>> ares = dns::AresResolver::create(rc);
    if (ares.isOk()) {
      ares_ = std::move(ares.value());
      resolver_ = std::make_unique<dns::AddressResolver>(*ares_);
    } else {
      resolver_ = std::make_unique<health::BlockingResolver>();
    }
    addresses_ = std::make_unique<health::ResolveCache>(*resolver_);
  }
  ~CheckerThread() override { apr_pool_destroy(pool_); }

  void start() {
    thread_.start([this] {
      guarded<int>(s_, "health checker thread", 0, [this] {
        orchestrator_.run();
        return 0;
      });
    });
  }
  void stop() { thread_.stop(); }

  // Re-reads every balancer of every virtual host: which members are checked, and how.
  std::vector<health::CheckTarget> members(int64_t now) override {
    const ProxyApi& api = proxyApi();
    std::vector<health::CheckTarget> targets;
    members_.clear();
    for (server_rec* v = s_; v != nullptr; v = v->next) {
      auto* conf =
          static_cast<proxy_server_conf*>(ap_get_module_config(v->module_config, api.proxy));
      if (conf == nullptr) {
        continue;
      }
      auto* balancers = reinterpret_cast<proxy_balancer*>(conf->balancers->elts);
      for (int i = 0; i < conf->balancers->nelts; ++i) {
        proxy_balancer* b = &balancers[i];
        if (b->s == nullptr) {
          continue;
        }
        std::vector<proxy_worker*> workers;
        PROXY_THREAD_LOCK(b);
        if (api.syncBalancer != nullptr) {
          api.syncBalancer(b, v, conf);  // members added from balancer-manager
        }
        auto** w = reinterpret_cast<proxy_worker**>(b->workers->elts);
        workers.assign(w, w + b->workers->nelts);
        PROXY_THREAD_UNLOCK(b);
        for (proxy_worker* worker : workers) {
          if (worker->s == nullptr || (worker->s->status & PROXY_WORKER_STOPPED)) {
            continue;
          }
          health::ProbeSpec spec = healthProbeSpec(worker->s->method);
          if (spec.method == health::ProbeMethod::kNone) {
            continue;
          }
          health::CheckTarget t;
          if (target(b, worker, v, spec, now, &t)) {
            targets.push_back(std::move(t));
          }
        }
      }
    }
    return targets;
  }

  // One finished check: the hcexpr's verdict on the answer (when set), then the core's rule.
  bool onResult(uint64_t key, health::ProbeResult& res) override {
    auto it = members_.find(key);
    if (it == members_.end()) {
      return false;
    }
    const Member& m = it->second;
    proxy_worker_shared* ws = m.worker->s;
    char exprName[sizeof(ws->hcexpr)];
    apr_cpystrn(exprName, ws->hcexpr, sizeof(exprName));
    if (exprName[0] != '\0' && m.spec.method != health::ProbeMethod::kTcp && res.status > 0) {
      std::string why;
      res.passed = evalExpr(m, exprName, res, &why);
      res.reason = res.passed ? "ok" : why;
    }
    // A member DNS brought in that stops answering may have moved: ask DNS again now.
    if (!res.passed && m.slot != nullptr &&
        m.slot->discoveredBy.load(std::memory_order_relaxed) != 0 &&
        res.reason.find("timeout") != std::string::npos) {
      discoveryAskSoon();
    }
    WorkerState state(ws, m.slot);
    apr_time_t wallNow = apr_time_now();
    health::MemberUpdate u = health::applyCheckResult(state, res, clock_.nowMicros(), wallNow);
    ws->updated = wallNow;
    if (u.transition == health::Transition::kFailed) {
      FLEET_LOG_S(APLOG_WARNING, 0, m.server, 00014,
                  "member %s of %s failed its health check %u time(s) in a row: %s; marked "
                  "HC-fail",
                  ws->name_ex, m.balancer->s->name, u.threshold.fails, res.reason.c_str());
    } else if (u.transition == health::Transition::kRecovered) {
      FLEET_LOG_S(APLOG_NOTICE, 0, m.server, 00015,
                  "member %s of %s passed its health check %u time(s) in a row; HC-fail cleared",
                  ws->name_ex, m.balancer->s->name, u.threshold.passes);
    }
    return u.changing;
  }

  void tookOver() override {
    FLEET_LOG_S(APLOG_INFO, 0, s_, 00013, "health checks run in this child (pid %u)",
                static_cast<unsigned>(getpid()));
  }
  bool childStopping() override {
    int mpmState = AP_MPMQ_RUNNING;
    ap_mpm_query(AP_MPMQ_MPM_STATE, &mpmState);
    return mpmState == AP_MPMQ_STOPPING;
  }
  int64_t wallNowMicros() override { return apr_time_now(); }

 private:
  // How one member is checked; false while its address is not known yet (it is checked from the
  // refresh after the resolver's answer on).
  bool target(proxy_balancer* b, proxy_worker* w, server_rec* v, health::ProbeSpec spec,
              int64_t now, health::CheckTarget* t) {
    const health::CheckConfig& cfg = memberCheckConfig(w);
    uint64_t key = lb::memberKey(b->s->name, w->s->name_ex);
    lb::MemberTable* table = memberTable();
    members_[key] = Member{b, w, v, table != nullptr ? table->findOrClaim(key) : nullptr, spec};

    health::MemberEndpoint endpoint;
    endpoint.scheme = w->s->scheme;
    endpoint.host = w->s->hostname_ex[0] ? w->s->hostname_ex : w->s->hostname;
    endpoint.port = w->s->port;
    endpoint.hcuri = w->s->hcuri;
    endpoint.intervalMicros = w->s->interval;
    endpoint.expression = w->s->hcexpr[0] != '\0';
    health::Resolution addr =
        addresses_->lookup(endpoint.host, endpoint.port, now, [&](const std::string& why) {
          FLEET_LOG_S(APLOG_WARNING, 0, v, 00017, "health checks of %s in %s fail: %s",
                      w->s->name_ex, b->s->name, why.c_str());
        });
    if (addr.kind == health::ResolveKind::kPending) {
      return false;
    }
    *t = health::planCheck(key, endpoint, spec, cfg);
    t->unresolved = addr.error;
    t->probe.addr = addr.addr;
    t->probe.addrLen = addr.addrLen;
    return true;
  }

  // The verdict of an hcexpr on a response, like mod_proxy_hcheck: the expression alone decides.
  bool evalExpr(const Member& m, const char* name, const health::ProbeResult& res,
                std::string* why) {
    const health::HcDefinitions::Expression* e = hcDefinitions(m.server).findExpression(name);
    if (e == nullptr) {
      *why = std::string("hcexpr ") + name + " is not defined";
      return false;
    }
    apr_pool_t* p = nullptr;
    apr_pool_create(&p, pool_);
    request_rec* r = backgroundRequest(p, m.server);
    r->proxyreq = PROXYREQ_RESPONSE;
    r->method = health::probeMethodName(m.spec);
    r->method_number = ap_method_number_of(r->method);
    r->protocol = const_cast<char*>(m.spec.http11 ? "HTTP/1.1" : "HTTP/1.0");
    r->proto_num = m.spec.http11 ? HTTP_VERSION(1, 1) : HTTP_VERSION(1, 0);
    r->uri = r->unparsed_uri = apr_pstrdup(p, m.worker->s->hcuri[0] ? m.worker->s->hcuri : "/");
    r->status = res.status;
    for (const auto& [k, v] : res.headers) {
      apr_table_add(r->headers_out, k.c_str(), v.c_str());
    }
    apr_table_setn(r->notes, kHcBodyNote, apr_pstrmemdup(p, res.body.data(), res.body.size()));
    const char* err = nullptr;
    int ok = ap_expr_exec(r, static_cast<const ap_expr_info_t*>(e->compiled), &err);
    if (err != nullptr) {
      *why = std::string("hcexpr ") + name + ": " + err;
      FLEET_LOG_S(APLOG_INFO, 0, m.server, 00018, "health check expression %s for %s: %s", name,
                  m.worker->s->name_ex, err);
    } else if (ok <= 0) {
      *why = std::string("hcexpr ") + name + " false (status " + std::to_string(res.status) + ")";
    }
    apr_pool_destroy(p);
    return err == nullptr && ok > 0;
  }

  server_rec* s_;
  common::SteadyClock clock_;
  common::FastRandom rng_;
  std::unique_ptr<dns::AresResolver> ares_;
  std::unique_ptr<health::Resolver> resolver_;
  std::unique_ptr<health::ResolveCache> addresses_;
  apr_allocator_t* allocator_ = nullptr;
  apr_pool_t* pool_ = nullptr;  // the thread's own (own allocator: pools are not thread-safe)
  std::unordered_map<uint64_t, Member> members_;
  health::Orchestrator orchestrator_;
  BackgroundThread thread_;
};

apr_status_t stopChecker(void* data) {
  auto* t = static_cast<CheckerThread*>(data);
  guarded<int>(nullptr, "stopping the health checker", 0, [t] {
    t->stop();
    delete t;
    return 0;
  });
  return APR_SUCCESS;
}

}  // namespace

void startHealthChecker(apr_pool_t* pchild, server_rec* s) {
  health::CheckerControl* control = checkerControl();
  if (control == nullptr) {
    return;
  }
  int generation = 0;
  ap_mpm_query(AP_MPMQ_GENERATION, &generation);
  auto* t = new CheckerThread(s, control, static_cast<uint32_t>(generation));
  try {
    t->start();
  } catch (const std::exception& e) {
    FLEET_LOG_S(APLOG_ERR, 0, s, 00019, "cannot start the health checker thread: %s", e.what());
    delete t;
    return;
  }
  apr_pool_pre_cleanup_register(pchild, t, stopChecker);
}

}  // namespace fleet::glue
