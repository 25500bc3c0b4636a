#include "module/background_request.h"

namespace fleet::glue {

request_rec* backgroundRequest(apr_pool_t* p, server_rec* s) {
  auto* c = static_cast<conn_rec*>(apr_pcalloc(p, sizeof(conn_rec)));
  c->pool = p;
  c->base_server = s;
  c->notes = apr_table_make(p, 1);
  c->conn_config = ap_create_conn_config(p);
  c->client_ip = c->local_ip = const_cast<char*>("127.0.0.1");
  apr_sockaddr_info_get(&c->client_addr, "127.0.0.1", APR_INET, 0, 0, p);
  c->local_addr = c->client_addr;
  auto* r = static_cast<request_rec*>(apr_pcalloc(p, sizeof(request_rec)));
  r->pool = p;
  r->connection = c;
  r->server = s;
  r->per_dir_config = s->lookup_defaults;
  r->request_config = ap_create_request_config(p);
  r->headers_in = apr_table_make(p, 1);
  r->headers_out = apr_table_make(p, 8);
  r->err_headers_out = apr_table_make(p, 1);
  r->subprocess_env = apr_table_make(p, 1);
  r->notes = apr_table_make(p, 2);
  r->trailers_in = apr_table_make(p, 1);
  r->trailers_out = apr_table_make(p, 1);
  r->useragent_ip = c->client_ip;
  r->useragent_addr = c->client_addr;
  r->method = "GET";
  r->method_number = M_GET;
  r->protocol = const_cast<char*>("HTTP/1.1");
  r->proto_num = HTTP_VERSION(1, 1);
  r->uri = r->unparsed_uri = const_cast<char*>("/");
  return r;
}

}  // namespace fleet::glue
