#include "module/request_context.h"

#include <new>

namespace fleet::glue {

RequestContext* findContext(request_rec* r) {
  return static_cast<RequestContext*>(ap_get_module_config(r->request_config, &fleet_module));
}

RequestContext& contextOf(request_rec* r) {
  if (RequestContext* ctx = findContext(r)) {
    return *ctx;
  }
  auto* ctx = new (apr_palloc(r->pool, sizeof(RequestContext))) RequestContext();
  ap_set_module_config(r->request_config, &fleet_module, ctx);
  apr_pool_cleanup_register(
      r->pool, ctx,
      [](void* p) -> apr_status_t {
        static_cast<RequestContext*>(p)->~RequestContext();
        return APR_SUCCESS;
      },
      apr_pool_cleanup_null);
  return *ctx;
}

}  // namespace fleet::glue
