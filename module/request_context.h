// Everything mod_fleet keeps about one request, in one place: created by the first hook that
// needs it, found the same way by every hook and filter (mod_fleet's slot in r->request_config),
// and destroyed with the request's pool (giving back an in-flight count and any cache lease).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "module/httpd_includes.h"
#include "shared/cache/exchange.h"
#include "shared/lb/member_table.h"
#include "shared/offload/forward_plan.h"

namespace fleet::glue {

struct RequestContext {
  // Balancing (lb_glue): the member whose in-flight count this request raised, if any.
  struct Balancing {
    lb::MemberSlot* counted = nullptr;
    proxy_balancer* balancer = nullptr;  // set by the finder (the sticky path has none)
    int64_t sentAt = 0;                  // when the current attempt went to the member
    bool sampled = false;                // the current attempt's latency is recorded
    bool timing = false;                 // the FLEET_TTFB filter is in place
    // The member name counted for: httpd puts this very pointer into BALANCER_WORKER_NAME
    // (apr_table_setn), so fixups can recognise it without hashing.
    const char* countedName = nullptr;
    void release() {
      if (counted != nullptr) {
        counted->inflight.fetch_sub(1, std::memory_order_relaxed);
        counted = nullptr;
        countedName = nullptr;
      }
    }
    ~Balancing() { release(); }
  } lb;
  // The shared cache (cache_glue): this request's exchange.
  std::unique_ptr<cache::CacheExchange> cache;
  // Forwarded facts (offload_glue): what the member is told, planned in fixups.
  std::optional<offload::ForwardPlan> forward;
};

// This request's context, created on first use.
RequestContext& contextOf(request_rec* r);
// This request's context, or nullptr when no hook has made one.
RequestContext* findContext(request_rec* r);

}  // namespace fleet::glue
