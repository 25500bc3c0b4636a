// The health checker in httpd: one thread per child, of which exactly one (the lease holder)
// checks the members of every balancer at a time.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

// Starts this child's checker thread (it stops and is joined when pchild is destroyed).
void startHealthChecker(apr_pool_t* pchild, server_rec* s);

}  // namespace fleet::glue
