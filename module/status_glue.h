// The fleet-status handler (SetHandler fleet-status): balancers, members and mod_fleet's shared
// counters as JSON.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

int statusHandler(request_rec* r);

}  // namespace fleet::glue
