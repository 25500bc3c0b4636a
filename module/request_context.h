// Everything mod_fleet keeps about one request, in one place: created by the first hook that
// needs it, found the same way by every hook and filter (mod_fleet's slot in r->request_config),
// and destroyed with the request's pool (giving back an in-flight count and any cache lease).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "module/httpd_includes.h"
#include "shared/cache/exchange.h"
#include "shared/lb/attempt.h"
#include "shared/offload/forward_plan.h"
#include "shared/resilience/retry_loop.h"

namespace fleet::glue {

struct RequestContext {
  // Balancing (lb_glue): this request's attempts at members (in-flight count, latency, outcome),
  // and the balancer its finder ran for (none on the sticky path, which bypasses the finder).
  struct Balancing {
    lb::Attempt attempt;
    proxy_balancer* balancer = nullptr;
  } lb;
  // The shared cache (cache_glue): this request's exchange.
  std::unique_ptr<cache::CacheExchange> cache;
  // Forwarded facts (offload_glue): what the member is told, planned in fixups.
  std::optional<offload::ForwardPlan> forward;
  // Request-level resilience (resilience_glue): the retry loop over the balancer's members, the
  // members this request failed on, and the hold-back filter's view of the current attempt.
  struct Resilience {
    std::optional<resilience::RetryLoop> loop;
    std::vector<proxy_worker*> tried;
    bool inside = false;       // the loop is running a scheme handler (do not wrap it again)
    bool filterAdded = false;  // the hold-back filter is in the chain
    bool decided = false;      // this attempt's answer has been looked at
    bool holding = false;      // this attempt's answer is being dropped for a retry
    bool passed = false;       // some of this attempt's answer went on to the client
    proxy_balancer* balancer = nullptr;  // of the current attempt
    proxy_worker* current = nullptr;     // the member of the current attempt
  } resilience;
};

// This request's context, created on first use.
RequestContext& contextOf(request_rec* r);
// This request's context, or nullptr when no hook has made one.
RequestContext* findContext(request_rec* r);

}  // namespace fleet::glue
