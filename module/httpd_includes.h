// The one header through which httpd, APR and mod_proxy declarations enter the module.
// Several httpd headers lack extern "C" guards (mod_proxy.h among them), so all are wrapped here.
#pragma once

extern "C" {
#include "ap_expr.h"
#include "ap_mpm.h"
#include "ap_provider.h"
#include "apr_optional.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "httpd.h"
#include "mod_proxy.h"
#include "mpm_common.h"
}

// httpd.h redirects these under AP_DEBUG; the C++ library wants the real ones.
#undef strchr
#undef strrchr
#undef strstr

extern "C" module AP_MODULE_DECLARE_DATA fleet_module;

// httpd's C++ view of a directive handler is `const char *(*)()`; going through void(*)() keeps
// -Wcast-function-type quiet about a conversion httpd itself relies on.
template <typename F>
inline cmd_func asCmdFunc(F f) {
  return reinterpret_cast<cmd_func>(reinterpret_cast<void (*)()>(f));
}
