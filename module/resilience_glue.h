// Request-level resilience in httpd: the scheme handler wrapper that runs a balanced request's
// attempts (FleetRetry to other members, maxconn= reservations and the FleetQueue wait), the
// filter that holds back a member's answer FleetRetry names, and Proxy-Status (RFC 9209) on the
// answers mod_fleet or mod_proxy made because of a member problem. Decisions are
// shared/resilience's.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

// proxy scheme_handler, before every other: for a balancer with FleetRetry, maxconn= members or
// FleetProxyStatus, runs the request's attempts itself (declines for everything else).
int resilientSchemeHandler(request_rec* r, proxy_worker* worker, proxy_server_conf* conf, char* url,
                           const char* proxyName, apr_port_t proxyPort);
// proxy request_status: the balancer had no usable member at all (Proxy-Status and the note).
int onRequestStatus(int* status, request_rec* r);
// The hold-back filter: closest to the handler, so no other filter sees a held-back answer.
void registerHoldBackFilter();

}  // namespace fleet::glue
