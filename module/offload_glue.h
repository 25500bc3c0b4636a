// SSL offload in httpd: the TLS facts mod_ssl knows, forwarded to members on every proxied request
// (with the client's own copies removed first), Strict-Transport-Security on HTTPS responses, and
// the redirect of plain-HTTP requests to HTTPS.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

void registerOffloadHooks();       // from register_hooks
void registerOffloadProxyHooks();  // from pre_config, with the other proxy hooks

}  // namespace fleet::glue
