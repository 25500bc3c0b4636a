// SSL offload in httpd: the TLS facts mod_ssl knows, forwarded to members on every proxied request
// (with the client's own copies removed first), Strict-Transport-Security on HTTPS responses, and
// the redirect of plain-HTTP requests to HTTPS.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

void registerOffloadHooks();       // from register_hooks
void registerOffloadProxyHooks();  // from pre_config, with the other proxy hooks

const char* setForwardTls(cmd_parms* cmd, void* dir, int on);
const char* setForwardTlsHeader(cmd_parms* cmd, void* dir, const char* fact, const char* header);
const char* addTrustedProxy(cmd_parms* cmd, void* dir, const char* arg);
const char* addStripHeader(cmd_parms* cmd, void* dir, const char* arg);
const char* addKeepHeader(cmd_parms* cmd, void* dir, const char* arg);
const char* setHsts(cmd_parms* cmd, void* dir, const char* args);
const char* setRedirectHttps(cmd_parms* cmd, void* dir, const char* onOff, const char* code);
const char* setRedirectPort(cmd_parms* cmd, void* dir, const char* arg);
const char* addRedirectExempt(cmd_parms* cmd, void* dir, const char* arg);

}  // namespace fleet::glue
