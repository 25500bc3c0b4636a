// The connection mod_ssl keeps TLS state on (HTTP/2 streams ride on their master connection),
// and whether a request came over TLS: asked the same way by every glue file.
#pragma once

#include "module/httpd_includes.h"

extern "C" {
#include "http_ssl.h"
}

namespace fleet::glue {

inline conn_rec* tlsConnection(conn_rec* c) { return c->master != nullptr ? c->master : c; }

inline bool isHttps(request_rec* r) {
  return ap_ssl_conn_is_ssl(tlsConnection(r->connection)) != 0;
}

}  // namespace fleet::glue
