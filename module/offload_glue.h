// SSL offload in httpd: the TLS facts mod_ssl knows, forwarded to members on every proxied request
// (with the client's own copies removed first), Strict-Transport-Security on HTTPS responses, and
// the redirect of plain-HTTP requests to HTTPS.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

// Hooks (registered in mod_fleet.cpp, which says why at each position).
int redirectToHttps(request_rec* r);     // header_parser: FleetRedirectHTTPS
int forwardClientFacts(request_rec* r);  // fixups: the client's copies out, mod_fleet's facts in
void addHsts(request_rec* r);            // insert_filter and insert_error_filter: FleetHSTS
// proxy scheme_handler, before every attempt: X-Forwarded-* as the member's scheme needs them.
int beforeSchemeHandler(request_rec* r, proxy_worker* worker, proxy_server_conf* conf, char* url,
                        const char* proxyName, apr_port_t proxyPort);

}  // namespace fleet::glue
