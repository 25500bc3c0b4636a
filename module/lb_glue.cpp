#include "module/lb_glue.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <new>
#include <thread>

#include "module/config_glue.h"
#include "module/guard.h"
#include "module/maglev_glue.h"
#include "module/member_table_glue.h"
#include "module/proxy_api.h"
#include "module/request_context.h"
#include "shared/common/clock.h"
#include "shared/common/parse.h"
#include "shared/lb/attempt.h"
#include "shared/lb/candidates.h"
#include "shared/lb/member_health.h"
#include "shared/lb/registry.h"
#include "shared/lb/trace.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

ap_filter_rec_t* g_ttfbFilter = nullptr;  // registered with the hooks of this generation

const lb::Registry& methods() {
  static const lb::Registry registry = lb::Registry::withBuiltins();
  return registry;
}

// Per-thread random state: a plain integer, so no TLS destructor pins the DSO.
thread_local uint64_t t_random_state = 0;

uint64_t freshSeed() {
  uint64_t t =
      static_cast<uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
  uint64_t tid = std::hash<std::thread::id>()(std::this_thread::get_id());
  return t ^ (tid << 1) ^ (static_cast<uint64_t>(getpid()) << 32) ^ 0x5bd1e9955bd1e995ULL;
}

using Balancing = RequestContext::Balancing;

// The balancer a request goes through, as its Attempt sees it: the settings of the request's
// configuration, and a scan of the members for how many are ejected.
class RequestBalancer final : public lb::BalancerView {
 public:
  RequestBalancer(request_rec* r, proxy_balancer* b) : r_(r), balancer_(b) {}
  lb::AttemptSettings settings() const override {
    const DirConfig& cfg = dirConfig(r_);
    lb::AttemptSettings s;
    s.health = cfg.health();
    s.ewmaTauMicros = cfg.number(config::Id::kEwmaDecay);
    s.penaltyMicros = cfg.number(config::Id::kEwmaPenalty);
    if (const auto* o = cfg.object<lb::LatencyOutlier>(config::Id::kLatencyOutlier)) {
      s.outlierFactor = o->factor;
      s.outlierProbePpm = o->probePpm;
    }
    return s;
  }
  size_t members() const override {
    return balancer_ != nullptr ? static_cast<size_t>(balancer_->workers->nelts) : 0;
  }
  size_t ejected(int64_t now) const override {
    size_t n = 0;
    auto** w = members() > 0 ? reinterpret_cast<proxy_worker**>(balancer_->workers->elts) : nullptr;
    for (size_t i = 0; i < members(); ++i) {
      lb::MemberSlot* s = slotFor(balancer_, w[i]);
      n += (s != nullptr && lb::isEjected(*s, now)) ? 1 : 0;
    }
    return n;
  }

 private:
  request_rec* r_;
  proxy_balancer* balancer_;
};

// What a request's Attempt needs in one hook, on the stack.
struct HookEnv {
  HookEnv(request_rec* r, proxy_balancer* b) : view(r, b) {}
  HookEnv(const HookEnv&) = delete;
  common::SteadyClock clock;
  RequestBalancer view;
  lb::AttemptEnv env{clock, view};
};

void logEjection(server_rec* s, proxy_balancer* b, const lb::Ejection& e, const char* member) {
  FLEET_LOG_S(APLOG_WARNING, 0, s, 00008,
              "member %s of %s ejected for %s after %u failures in "
              "a row (ejection %u)",
              member, b->s->name, common::formatDurationMicros(e.forMicros / 1000 * 1000).c_str(),
              e.afterFailures, e.ejections);
}

// Room for N values of T on the stack, left uninitialised (only the first n get written); a
// larger balancer's come from the request pool.
template <typename T, int N = 64>
struct Room {
  alignas(T) unsigned char stack[N * sizeof(T)];
  T* take(int n, apr_pool_t* p) {
    return n <= N ? reinterpret_cast<T*>(stack) : static_cast<T*>(apr_palloc(p, n * sizeof(T)));
  }
};

// Collects every candidate httpd's selection loop offers. Returning true for each keeps the
// loop's own semantics: a non-empty set stops it from falling through to standbys or the next
// lbset, so what we collect is exactly the eligible set of the winning lbset.
struct Collector {
  proxy_worker** items;
  int n;
  int cap;
  const std::vector<proxy_worker*>* tried;  // members this request failed on (FleetRetry)
};

int collectCandidate(proxy_worker* current, proxy_worker* /*prev_best*/, void* baton) {
  auto* c = static_cast<Collector*>(baton);
  // A retry goes to a member not tried yet: leaving the tried ones out lets httpd's loop fall
  // through to standbys and the next lbset as for any member in error.
  if (c->tried != nullptr &&
      std::find(c->tried->begin(), c->tried->end(), current) != c->tried->end()) {
    return 0;
  }
  if (c->n < c->cap) {
    c->items[c->n++] = current;
  }
  return 1;
}

// Why this member: the request note FLEET_DECISION for LogFormat and, when FleetDecisionHeader
// is on, the X-Fleet-Decision response header.
void noteDecision(request_rec* r, const char* method, proxy_worker** items,
                  const lb::Candidate* cands, size_t n, const lb::Decision& d,
                  const lb::TraceExtras& extras) {
  const char* labels_stack[64];
  const char** labels =
      n <= 64 ? labels_stack : static_cast<const char**>(apr_palloc(r->pool, n * sizeof(char*)));
  for (size_t i = 0; i < n; ++i) {
    labels[i] = items[i]->s->route[0] != '\0' ? items[i]->s->route : items[i]->s->name_ex;
  }
  char buf[768];
  size_t len = lb::describeDecision(buf, sizeof buf, method, labels, cands, n, d, extras);
  const char* text = apr_pstrmemdup(r->pool, buf, len);
  apr_table_setn(r->notes, "FLEET_DECISION", text);
  if (dirConfig(r).decisionHeaderOn()) {
    // err_headers_out: mod_proxy_http replaces headers_out with the member's own.
    apr_table_setn(r->err_headers_out, "X-Fleet-Decision", text);
  }
}

proxy_worker* findBest(proxy_balancer* balancer, request_rec* r);

// A balancer currently using one of mod_fleet's methods (balancer-manager may switch it).
const lb::LoadBalancer* fleetMethod(proxy_balancer* b) {
  return (b != nullptr && b->lbmethod != nullptr && b->lbmethod->finder == findBest)
             ? static_cast<const lb::LoadBalancer*>(b->lbmethod->context)
             : nullptr;
}

proxy_worker* findBest(proxy_balancer* balancer, request_rec* r) {
  return guarded<proxy_worker*>(r->server, "lbmethod finder", nullptr, [&]() -> proxy_worker* {
    const ProxyApi& api = proxyApi();
    auto* method = static_cast<const lb::LoadBalancer*>(balancer->lbmethod->context);
    int cap = balancer->workers->nelts;
    if (api.getBestWorker == nullptr || method == nullptr || cap <= 0) {
      return nullptr;
    }
    Room<proxy_worker*> itemsRoom;
    Room<lb::MemberInput> inputsRoom;
    Room<lb::Candidate> candsRoom;
    Room<size_t> keptRoom;
    Room<uint32_t> baseRoom;
    RequestContext& rc = contextOf(r);
    Collector c{itemsRoom.take(cap, r->pool), 0, cap,
                rc.resilience.tried.empty() ? nullptr : &rc.resilience.tried};
    if (api.getBestWorker(balancer, r, collectCandidate, &c) == nullptr || c.n == 0) {
      return nullptr;
    }
    const DirConfig& cfg = dirConfig(r);
    Balancing& st = rc.lb;
    if (st.attempt.reserved()) {  // the queue reserved a member for this request: that one
      for (int i = 0; i < c.n; ++i) {
        if (st.attempt.countsFor(c.items[i]->s->name_ex)) {
          HookEnv he(r, st.balancer);
          st.attempt.picked(slotFor(balancer, c.items[i]), c.items[i]->s->name_ex,
                            fleetMethod(st.balancer), he.env);
          st.balancer = balancer;
          return c.items[i];
        }
      }
    }
    HookEnv he(r, st.balancer);  // the balancer of the attempt before, if any
    const lb::AttemptSettings& as = st.attempt.settings(he.view);
    int64_t now = he.clock.nowMicros();
    if (as.health.slowStartMicros > 0 || anyMemberSlowStart()) {  // notice members coming back
      auto** all = reinterpret_cast<proxy_worker**>(balancer->workers->elts);
      for (int i = 0; i < balancer->workers->nelts; ++i) {
        if (lb::MemberSlot* s = slotFor(balancer, all[i])) {
          lb::trackUsable(*s, PROXY_WORKER_IS_USABLE(all[i]) && !lb::isEjected(*s, now), now);
        }
      }
    }
    lb::MemberInput* inputs = inputsRoom.take(c.n, r->pool);
    for (int i = 0; i < c.n; ++i) {
      new (&inputs[i]) lb::MemberInput();
      inputs[i].slot = slotFor(balancer, c.items[i]);
      inputs[i].lbfactor = static_cast<uint32_t>(c.items[i]->s->lbfactor);
      inputs[i].fallbackId =
          inputs[i].slot ? 0 : lb::memberKey(balancer->s->name, c.items[i]->s->name_ex);
    }
    lb::CandidateSettings settings;
    settings.health = as.health;
    settings.ewmaTauMicros = as.ewmaTauMicros;
    settings.wantLatency = method->usesLatency();
    settings.outlier.factor = as.outlierFactor;
    settings.outlier.probePpm = as.outlierProbePpm;
    settings.memberLimits = anyMemberMaxConn();
    if (t_random_state == 0) {
      t_random_state = freshSeed();
    }
    common::FastRandom rng(t_random_state);
    if (settings.wantLatency && settings.outlier.factor > 0) {
      settings.probeDraw = static_cast<uint32_t>(rng.below(1000000));
    }
    lb::Candidate* cands = candsRoom.take(c.n, r->pool);
    size_t* kept = keptRoom.take(c.n, r->pool);
    uint32_t* base = baseRoom.take(c.n, r->pool);
    lb::Prepared prepared =
        lb::prepareCandidates(inputs, static_cast<size_t>(c.n), settings, now, cands, kept, base);
    size_t n = prepared.n;
    for (size_t i = 0; i < n; ++i) {  // compact the members alongside their candidates
      c.items[i] = c.items[kept[i]];
    }
    lb::PickContext ctx(rng);
    std::shared_ptr<const lb::MaglevTable> table;
    const char* hashedKey = nullptr;
    if (method->usesHashKey()) {
      const char* key = r->useragent_ip != nullptr ? r->useragent_ip : "";
      if (const auto* expr = cfg.object<ap_expr_info_t>(config::Id::kHashKey)) {
        const char* err = nullptr;
        const char* v = ap_expr_str_exec(r, expr, &err);
        if (err != nullptr) {
          FLEET_LOG_R(APLOG_DEBUG, 0, r, 00009, "FleetHashKey could not be evaluated: %s", err);
        }
        key = v != nullptr ? v : "";
      }
      ctx.keyHash = lb::hashKey(key, std::strlen(key));
      hashedKey = key;
      table = maglevTable(balancer, cands, base, n,
                          static_cast<uint32_t>(cfg.number(config::Id::kHashTableSize)), r->server);
      ctx.table = table.get();
      ctx.balanceFactor = static_cast<uint32_t>(cfg.number(config::Id::kHashBalanceFactor));
    }
    lb::Decision d = method->pick(cands, n, ctx);
    t_random_state = rng.state();
    // A second run for the request is mod_proxy retrying (a refused connection never reaches
    // fixups): the attempt records that the member counted so far failed it.
    lb::Ejection e = st.attempt.picked(inputs[kept[d.index]].slot, c.items[d.index]->s->name_ex,
                                       fleetMethod(st.balancer), he.env);
    if (e.happened) {
      logEjection(r->server, st.balancer, e, e.member);
    }
    st.balancer = balancer;
    if (cfg.decisionTraceOn()) {
      lb::TraceExtras extras;
      extras.panic = prepared.panic;
      extras.ejected = prepared.ejectedSkipped;
      extras.key = hashedKey;
      noteDecision(r, method->name(), c.items, cands, n, d, extras);
    }
    return c.items[d.index];
  });
}

apr_status_t noReset(proxy_balancer*, server_rec*) { return APR_SUCCESS; }
apr_status_t noAge(proxy_balancer*, server_rec*) { return APR_SUCCESS; }
// Sticky requests bypass the finder; their counts are taken in the fixups hook instead. Doing
// nothing here also spares httpd's non-atomic lbstatus writes.
apr_status_t noUpdate(proxy_balancer*, proxy_worker*, server_rec*) { return APR_SUCCESS; }

// The first brigade of a proxied response: the member's headers have arrived.
apr_status_t ttfbFilter(ap_filter_t* f, apr_bucket_brigade* bb) {
  request_rec* r = f->r;
  guarded<int>(r->server, "FLEET_TTFB filter", 0, [&] {
    if (RequestContext* ctx = findContext(r)) {
      ctx->lb.attempt.firstByte(r->status, HookEnv(r, ctx->lb.balancer).env);
    }
    return 0;
  });
  ap_remove_output_filter(f);
  return ap_pass_brigade(f->next, bb);
}

}  // namespace

// Per attempt, just before the request goes to the member: count it there (covers sticky
// sessions and failover attempts, which the finder does not see) and start its clock.
int onProxyFixups(request_rec* r) {
  return guarded<int>(r->server, "proxy fixups", DECLINED, [&] {
    const char* b = apr_table_get(r->subprocess_env, "BALANCER_NAME");
    const char* w = apr_table_get(r->subprocess_env, "BALANCER_WORKER_NAME");
    if (b == nullptr || w == nullptr || memberTable() == nullptr) {
      return DECLINED;
    }
    Balancing& st = contextOf(r).lb;
    // The slot is looked up (two names hashed) only when the count moves. Only look the env
    // pointer up: inserting it could cache a request-pool copy.
    lb::MemberSlot* slot = st.attempt.countsFor(w) ? nullptr : slotForName(b, w);
    HookEnv he(r, st.balancer);
    lb::Sent sent = st.attempt.sent(slot, w, fleetMethod(st.balancer), he.env);
    if (sent.ejection.happened) {
      logEjection(r->server, st.balancer, sent.ejection, sent.ejection.member);
    }
    if (sent.watchFirstByte) {
      ap_add_output_filter_handle(g_ttfbFilter, nullptr, r, r->connection);
    }
    return DECLINED;
  });
}

// The member has answered (or failed): record how, and it no longer carries this request.
int onProxyPostRequest(proxy_worker* worker, proxy_balancer* balancer, request_rec* r,
                       proxy_server_conf*) {
  return guarded<int>(r->server, "proxy post_request", DECLINED, [&] {
    RequestContext* ctx = findContext(r);
    if (ctx == nullptr || ctx->lb.attempt.counted() == nullptr) {
      return DECLINED;
    }
    proxy_balancer* b = balancer != nullptr ? balancer : ctx->lb.balancer;
    lb::Ejection e = ctx->lb.attempt.finished(r->status, fleetMethod(b), HookEnv(r, b).env);
    if (e.happened) {
      logEjection(r->server, b, e, worker != nullptr ? worker->s->name_ex : e.member);
    }
    return DECLINED;
  });
}

bool reserveMember(request_rec* r, proxy_balancer* b, proxy_worker* w) {
  return contextOf(r).lb.attempt.reserve(slotFor(b, w), w->s->name_ex);
}

bool countedOn(request_rec* r, proxy_worker* w) {
  RequestContext* ctx = findContext(r);
  return ctx != nullptr && ctx->lb.attempt.countsFor(w->s->name_ex);
}

void attemptFailed(request_rec* r, proxy_balancer* b) {
  RequestContext& ctx = contextOf(r);
  lb::Ejection e = ctx.lb.attempt.failedNow(fleetMethod(b), HookEnv(r, b).env);
  if (e.happened) {
    logEjection(r->server, b, e, e.member);
  }
}

bool usesFleetMethod(proxy_balancer* b) { return fleetMethod(b) != nullptr; }

void registerLbMethods(apr_pool_t* p) {
  for (const std::string& name : methods().names()) {
    auto* m = static_cast<proxy_balancer_method*>(apr_pcalloc(p, sizeof(proxy_balancer_method)));
    m->name = apr_pstrdup(p, name.c_str());
    m->finder = findBest;
    m->context = const_cast<lb::LoadBalancer*>(methods().find(name));
    m->reset = noReset;
    m->age = noAge;
    m->updatelbstatus = noUpdate;
    ap_register_provider(p, PROXY_LBMETHOD, m->name, "0", m);
  }
}

void registerTtfbFilter() {
  // A content filter: it sees the member's first body bytes before any protocol filter.
  g_ttfbFilter = ap_register_output_filter("FLEET_TTFB", ttfbFilter, nullptr, AP_FTYPE_CONTENT_SET);
}

}  // namespace fleet::glue
