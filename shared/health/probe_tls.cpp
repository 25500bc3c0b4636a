// HTTPS and TLS checks: a client context per (verify, CA file), the non-blocking handshake with
// SNI and host name verification, and the days left on the member's certificate.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/epoll.h>

#include "shared/health/probe_internal.h"

namespace fleet::health {
namespace {

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::string tlsError(SSL* ssl) {
  long v = SSL_get_verify_result(ssl);
  if (v != X509_V_OK) {
    return std::string("certificate: ") + X509_verify_cert_error_string(v);
  }
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return e != 0 ? std::string("TLS: ") + buf : "TLS: connection closed during the handshake";
}

// One client context per (verify, CA file), made on first use and kept for the engine's life.
ProbeEngine::TlsContexts::~TlsContexts() {
  for (auto& c : ctxs) {
    SSL_CTX_free(c.second);
  }
}

SSL_CTX* ProbeEngine::TlsContexts::get(bool verify, const std::string& ca, std::string* why) {
  auto key = std::make_pair(verify, ca);
  auto it = ctxs.find(key);
  if (it != ctxs.end()) {
    return it->second;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    *why = "TLS: cannot create a context";
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (verify) {
    int ok = ca.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                        : SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
    if (ok != 1) {
      *why =
          "TLS: cannot load CA certificates from " + (ca.empty() ? std::string("the system") : ca);
      SSL_CTX_free(ctx);
      return nullptr;
    }
  }
  ctxs[key] = ctx;
  return ctx;
}

bool ProbeEngine::startTls(int fd, Probe& p, int64_t now,
                           std::vector<std::pair<size_t, ProbeResult>>* out) {
  std::string why;
  SSL_CTX* ctx = tls_->get(p.target.verify, p.target.caFile, &why);
  if (ctx == nullptr) {
    finish(fd, false, why, now, out);
    return false;
  }
  p.ssl = SSL_new(ctx);
  if (p.ssl == nullptr || SSL_set_fd(p.ssl, fd) != 1) {
    finish(fd, false, "TLS: cannot start a session", now, out);
    return false;
  }
  const std::string& name = p.target.sni;
  if (!name.empty() && !isIpLiteral(name)) {
    SSL_set_tlsext_host_name(p.ssl, name.c_str());
  }
  if (p.target.verify) {
    SSL_set_verify(p.ssl, SSL_VERIFY_PEER, nullptr);
    if (!name.empty()) {
      SSL_set1_host(p.ssl, name.c_str());
    }
  }
  SSL_set_connect_state(p.ssl);
  p.phase = Probe::Phase::kHandshaking;
  return true;
}

bool ProbeEngine::handshake(int fd, Probe& p, int64_t now,
                            std::vector<std::pair<size_t, ProbeResult>>* out) {
  ERR_clear_error();
  int rc = SSL_do_handshake(p.ssl);
  if (rc != 1) {
    int e = SSL_get_error(p.ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      epoll_event ev{};
      ev.events = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
      ev.data.fd = fd;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
      return false;
    }
    finish(fd, false, tlsError(p.ssl), now, out);
    return false;
  }
  if (X509* cert = SSL_get1_peer_certificate(p.ssl)) {
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert)) == 1) {
      p.certDays = days;
    }
    X509_free(cert);
  }
  if (p.target.spec.method == ProbeMethod::kTcp) {  // a TLS handshake is the whole check
    finish(fd, true, "ok", now, out);
    return false;
  }
  p.phase = Probe::Phase::kSending;
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.fd = fd;
  epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
  return true;
}

}  // namespace fleet::health
