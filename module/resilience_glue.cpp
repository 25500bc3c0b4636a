#include "module/resilience_glue.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "module/config_glue.h"
#include "module/guard.h"
#include "module/lb_glue.h"
#include "module/member_table_glue.h"
#include "module/proxy_api.h"
#include "module/request_context.h"
#include "shared/common/clock.h"
#include "shared/resilience/proxy_status.h"
#include "shared/resilience/settings.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using config::Id;
using Resilience = RequestContext::Resilience;

ap_filter_rec_t* g_holdFilter = nullptr;
constexpr const char* kNote = "FLEET_PROXY_STATUS";
constexpr const char* kWaitNote = "FLEET_QUEUE_WAIT";

// The balancer a request was sent to (mod_proxy_balancer has rewritten r->filename to the chosen
// member's URL by the time a scheme handler runs).
const char* balancerName(request_rec* r) {
  return r->filename != nullptr && std::strncmp(r->filename, "proxy:", 6) == 0
             ? apr_table_get(r->subprocess_env, "BALANCER_NAME")
             : nullptr;
}

// The URL to pick a member for again: the balancer's, with the request's path (as
// mod_proxy_balancer takes it apart: everything from the first '/' after "://").
char* balancerUrl(request_rec* r, const char* balancer) {
  const char* url = r->filename + 6;
  const char* path = std::strstr(url, "://");
  path = path != nullptr ? std::strchr(path + 3, '/') : nullptr;
  return apr_pstrcat(r->pool, balancer, path, nullptr);
}

bool tried(const Resilience& rs, const proxy_worker* w) {
  return std::find(rs.tried.begin(), rs.tried.end(), w) != rs.tried.end();
}

// A usable member this request has not failed on, other than `current`.
bool otherMemberLeft(const Resilience& rs, proxy_balancer* b, const proxy_worker* current) {
  auto** w = reinterpret_cast<proxy_worker**>(b->workers->elts);
  for (int i = 0; i < b->workers->nelts; ++i) {
    if (w[i] != current && PROXY_WORKER_IS_USABLE(w[i]) && !tried(rs, w[i])) {
      return true;
    }
  }
  return false;
}

// A request held to its member by a session route (sticky): it waits for that member only.
bool pinnedByRoute(request_rec* r) {
  return apr_table_get(r->notes, "session-route") != nullptr &&
         apr_table_get(r->subprocess_env, "BALANCER_ROUTE_CHANGED") == nullptr;
}

void tellProxyStatus(request_rec* r, bool header, resilience::ProxyError e, const char* member,
                     const std::string& details) {
  std::string v = resilience::proxyStatus(e, member != nullptr ? member : "", details);
  const char* value = apr_pstrdup(r->pool, v.c_str());
  apr_table_setn(r->notes, kNote, value);
  if (header) {
    apr_table_setn(r->err_headers_out, "Proxy-Status", value);
  }
}

// The member's answer as the next attempt must not see it: its status, headers and notes. (Nothing
// else puts response headers in headers_out before the handler: mod_headers and mod_fleet's own
// fields go in at filter time or into err_headers_out.)
void forgetAttempt(request_rec* r) {
  r->status = HTTP_OK;
  r->status_line = nullptr;
  r->content_type = nullptr;
  r->content_encoding = nullptr;
  r->clength = 0;
  apr_table_clear(r->headers_out);
  for (const char* note :
       {"proxy_timedout", "error-notes", "verbose-error-to", "proxy-error-override"}) {
    apr_table_unset(r->notes, note);
  }
}

// Between the handler and every other filter: drops an answer FleetRetry names, as long as the
// retry loop says the request goes to another member instead; notes whether anything went on.
apr_status_t holdBackFilter(ap_filter_t* f, apr_bucket_brigade* bb) {
  request_rec* r = f->r;
  RequestContext* ctx = findContext(r);
  if (ctx == nullptr || !ctx->resilience.inside) {
    return ap_pass_brigade(f->next, bb);
  }
  Resilience& rs = ctx->resilience;
  bool drop = guarded<bool>(r->server, "hold-back filter", false, [&] {
    if (!rs.decided) {
      rs.decided = true;
      rs.holding = rs.loop && rs.balancer != nullptr &&
                   rs.loop->holdBack(r->status, otherMemberLeft(rs, rs.balancer, rs.current));
    }
    return rs.holding;
  });
  if (drop) {
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
  }
  rs.passed = true;
  return ap_pass_brigade(f->next, bb);
}

// Every member the request may go to is at its maxconn= limit: wait in the balancer's queue
// (FleetQueue) for a slot, on any member (mod_fleet's methods) or on the chosen one (a stock
// method, or a session route). OK with the request counted on *worker, else 503.
int waitForMember(request_rec* r, proxy_server_conf* conf, proxy_balancer** balancer,
                  proxy_worker** worker, char** url, Resilience& rs) {
  const DirConfig& d = dirConfig(r);
  const auto* q = d.object<resilience::QueueConfig>(Id::kQueue);
  resilience::BalancerState* bs = balancerState(*balancer);
  int64_t timeout = q != nullptr ? q->timeoutMicros : 0;
  resilience::QueueResult got = resilience::QueueResult::kFull;
  proxy_worker* chosen = nullptr;
  if (q != nullptr && bs != nullptr) {
    bool pinned = !usesFleetMethod(*balancer) || pinnedByRoute(r);
    auto reserve = [&] {
      if (pinned) {
        chosen = reserveMember(r, *balancer, *worker) ? *worker : nullptr;
        return chosen != nullptr;
      }
      auto** w = reinterpret_cast<proxy_worker**>((*balancer)->workers->elts);
      for (int i = 0; i < (*balancer)->workers->nelts; ++i) {
        if (PROXY_WORKER_IS_USABLE(w[i]) && !tried(rs, w[i]) && reserveMember(r, *balancer, w[i])) {
          chosen = w[i];
          return true;
        }
      }
      return false;
    };
    common::SteadyClock clock;
    int64_t waited = 0;
    got = resilience::waitForSlot(
        *bs, q->length, timeout, clock, [](int64_t us) { apr_sleep(us); }, reserve, &waited);
    apr_table_setn(r->notes, kWaitNote, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, waited));
  }
  if (got != resilience::QueueResult::kGot) {
    int64_t seconds = std::max<int64_t>(1, (timeout + 999999) / 1000000);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, seconds));
    rs.loop->fail(resilience::ProxyError::kConnectionLimit);
    return HTTP_SERVICE_UNAVAILABLE;
  }
  if (chosen != *worker) {  // room on another member: the finder picks the reserved one
    const ProxyApi& api = proxyApi();
    char* again = balancerUrl(r, (*balancer)->s->name);
    proxy_worker* w = nullptr;
    if (api.preRequest(&w, balancer, r, conf, &again) != OK || w == nullptr) {
      rs.loop->fail(resilience::ProxyError::kDestinationUnavailable);
      return HTTP_SERVICE_UNAVAILABLE;
    }
    api.initializeWorker(w, r->server, conf->pool);
    *worker = w;
    *url = again;
  }
  return OK;
}

// The attempts: reserve within maxconn= (or queue), run the scheme handlers, and on a failure the
// retry loop allows, pick another member and go again.
int runAttempts(request_rec* r, proxy_server_conf* conf, proxy_balancer* balancer,
                proxy_worker* worker, char* url, Resilience& rs) {
  const ProxyApi& api = proxyApi();
  for (;;) {
    if (anyMemberMaxConn() && !countedOn(r, worker) && !reserveMember(r, balancer, worker)) {
      int st = waitForMember(r, conf, &balancer, &worker, &url, rs);
      if (st != OK) {
        return st;
      }
    }
    rs.balancer = balancer;
    rs.current = worker;
    rs.decided = rs.holding = rs.passed = false;
    int status = api.runSchemeHandler(r, worker, conf, url, nullptr, 0);
    resilience::AttemptEnd end;
    end.status = status == OK ? 0 : status;
    end.timedOut = apr_table_get(r->notes, "proxy_timedout") != nullptr;
    end.bytesSent = rs.passed || r->sent_bodyct != 0;
    end.heldBack = rs.holding;
    lb::MemberSlot* slot = slotFor(balancer, worker);
    if (rs.loop->afterAttempt(end, otherMemberLeft(rs, balancer, worker)) ==
        resilience::RetryLoop::Next::kDone) {
      if (rs.loop->budgetRefused() && slot != nullptr) {
        slot->retryRefusals.fetch_add(1, std::memory_order_relaxed);
      }
      return status;
    }
    // Another member: this one failed the attempt.
    if (slot != nullptr) {
      slot->retries.fetch_add(1, std::memory_order_relaxed);
    }
    attemptFailed(r, balancer);
    if (!end.heldBack && status == HTTP_SERVICE_UNAVAILABLE &&
        !(worker->s->status & PROXY_WORKER_IGNORE_ERRORS)) {
      worker->s->status |= PROXY_WORKER_IN_ERROR;  // unreachable: as mod_proxy marks it
      worker->s->error_time = apr_time_now();
    }
    FLEET_LOG_R(APLOG_DEBUG, 0, r, 00025, "retrying %s on another member of %s after %s (%s)",
                r->method, balancer->s->name, worker->s->name_ex,
                end.heldBack ? apr_psprintf(r->pool, "status %d", r->status)
                             : (end.timedOut ? "timeout" : apr_psprintf(r->pool, "%d", status)));
    rs.tried.push_back(worker);
    forgetAttempt(r);
    char* again = balancerUrl(r, balancer->s->name);
    proxy_worker* next = nullptr;
    if (api.preRequest(&next, &balancer, r, conf, &again) != OK || next == nullptr) {
      return status;
    }
    api.initializeWorker(next, r->server, conf->pool);
    worker = next;
    url = again;
  }
}

}  // namespace

int resilientSchemeHandler(request_rec* r, proxy_worker* worker, proxy_server_conf* conf, char* url,
                           const char* proxyName, apr_port_t) {
  return guarded<int>(r->server, "resilient scheme handler", DECLINED, [&] {
    if (!resilienceAnywhere() && !anyMemberMaxConn()) {
      return DECLINED;  // nothing configured: one load per attempt
    }
    RequestContext* found = findContext(r);
    if (found != nullptr && found->resilience.inside) {
      return DECLINED;  // our own loop's call: the real scheme handler's turn
    }
    const char* name = proxyName == nullptr && worker != nullptr ? balancerName(r) : nullptr;
    if (name == nullptr) {
      return DECLINED;
    }
    const DirConfig& d = dirConfig(r);
    const auto* policy = d.object<resilience::RetryPolicy>(Id::kRetry);
    bool header = d.flag(Id::kProxyStatus);
    if (policy == nullptr && !header && !anyMemberMaxConn()) {
      return DECLINED;
    }
    // Our finder noted the balancer; a stock method's request looks it up by name.
    proxy_balancer* balancer = found != nullptr && found->lb.balancer != nullptr &&
                                       std::strcmp(found->lb.balancer->s->name, name) == 0
                                   ? found->lb.balancer
                                   : proxyApi().getBalancer(r->pool, conf, name, 1);
    if (balancer == nullptr) {
      return DECLINED;
    }
    Resilience& rs = contextOf(r).resilience;
    if (!rs.loop) {
      bool body = r->read_chunked || r->remaining > 0 || r->read_length > 0 ||
                  apr_table_get(r->headers_in, "Transfer-Encoding") != nullptr ||
                  (apr_table_get(r->headers_in, "Content-Length") != nullptr &&
                   std::strcmp(apr_table_get(r->headers_in, "Content-Length"), "0") != 0);
      rs.loop.emplace(
          policy, *d.object<resilience::BudgetConfig>(Id::kRetryBudget), balancerState(balancer),
          resilience::replayable(r->method, body,
                                 policy != nullptr ? *policy : resilience::RetryPolicy()));
    }
    if (policy != nullptr && policy->statuses.any() && !rs.filterAdded) {
      ap_add_output_filter_handle(g_holdFilter, nullptr, r, r->connection);
      rs.filterAdded = true;
    }
    rs.inside = true;
    int status = runAttempts(r, conf, balancer, worker, url, rs);
    rs.inside = false;
    resilience::ProxyError e = rs.loop->error();
    if (status != OK && e != resilience::ProxyError::kNone) {
      tellProxyStatus(r, header, e, rs.current != nullptr ? rs.current->s->name_ex : nullptr,
                      rs.loop->details());
    }
    // The loop decided: mod_proxy's own failover loop must not run the request again.
    if (status == HTTP_SERVICE_UNAVAILABLE && (rs.loop->retries() > 0 || rs.loop->budgetRefused() ||
                                               e == resilience::ProxyError::kConnectionLimit)) {
      apr_table_setn(r->notes, "proxy-error-override", "1");
    }
    return status;
  });
}

int onRequestStatus(int* status, request_rec* r) {
  return guarded<int>(r->server, "proxy request_status", DECLINED, [&] {
    if (*status != HTTP_SERVICE_UNAVAILABLE || r->filename == nullptr ||
        std::strncmp(r->filename, "proxy:balancer://", 17) != 0 ||
        apr_table_get(r->subprocess_env, "BALANCER_WORKER_NAME") != nullptr) {
      return DECLINED;  // a member was chosen: its attempt says what happened
    }
    std::string name(r->filename + 6);  // balancer://name/path
    name = name.substr(0, name.find('/', 11));
    tellProxyStatus(r, dirConfig(r).flag(Id::kProxyStatus),
                    resilience::ProxyError::kDestinationUnavailable, nullptr,
                    "no usable member in " + name);
    return DECLINED;
  });
}

void registerHoldBackFilter() {
  g_holdFilter = ap_register_output_filter("FLEET_HOLD_BACK", holdBackFilter, nullptr,
                                           static_cast<ap_filter_type>(AP_FTYPE_RESOURCE - 1));
}

}  // namespace fleet::glue
