// The fleet-status handler (SetHandler fleet-status): balancers, members, health checks and the
// cache as an HTML page with actions (POST, CSRF nonce, same origin), JSON or Prometheus text.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

int statusHandler(request_rec* r);
// mod_status's hook: mod_fleet's section of /server-status (and key: value lines for ?auto).
int serverStatusSection(request_rec* r, int flags);
// The per-server CSRF nonce of the status page's forms (post_config, before children fork).
void prepareStatusSecret(apr_pool_t* pconf);

}  // namespace fleet::glue
