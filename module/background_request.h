// A request_rec for work httpd did not start with a client request: a health check's expression
// (ap_expr evaluates against a request) and the discovery thread's balancer changes (mod_proxy_
// balancer's balancer_manage takes one). Its connection says 127.0.0.1; everything lives in `p`.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

request_rec* backgroundRequest(apr_pool_t* p, server_rec* s);

}  // namespace fleet::glue
