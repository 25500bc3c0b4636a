// HTTPS and TLS checks: a client context per (verify, CA file), the non-blocking handshake with
// SNI and host name verification, the days left on the member's certificate, and with hcreuse
// the session kept to resume the member's next connection.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

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

bool ProbeEngine::startTls(Conn& c, int64_t now, Results* out) {
  std::string why;
  SSL_CTX* ctx = tls_->get(c.target.verify, c.target.caFile, &why);
  if (ctx == nullptr) {
    finish(c, false, why, now, out);
    return false;
  }
  c.ssl = SSL_new(ctx);
  if (c.ssl == nullptr || SSL_set_fd(c.ssl, c.fd) != 1) {
    finish(c, false, "TLS: cannot start a session", now, out);
    return false;
  }
  const std::string& name = c.target.sni;
  if (!name.empty() && !isIpLiteral(name)) {
    SSL_set_tlsext_host_name(c.ssl, name.c_str());
  }
  if (c.target.verify) {
    SSL_set_verify(c.ssl, SSL_VERIFY_PEER, nullptr);
    if (!name.empty()) {
      SSL_set1_host(c.ssl, name.c_str());
    }
  }
  // hcreuse: a new connection resumes the member's last session (no certificate exchange, no
  // key exchange signature) while that session's verification is recent enough.
  if (c.reuse && c.session != nullptr && SSL_SESSION_is_resumable(c.session) &&
      tlsReusable(c, now)) {
    SSL_set_session(c.ssl, c.session);
  }
  SSL_set_connect_state(c.ssl);
  c.phase = Conn::Phase::kHandshaking;
  return true;
}

bool ProbeEngine::handshake(Conn& c, int64_t now, Results* out) {
  ERR_clear_error();
  int rc = SSL_do_handshake(c.ssl);
  if (rc != 1) {
    int e = SSL_get_error(c.ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      return false;  // the socket's next edge brings it on
    }
    finish(c, false, tlsError(c.ssl), now, out);
    return false;
  }
  if (SSL_session_reused(c.ssl)) {
    ++counters_.resumedHandshakes;
  } else {
    ++counters_.fullHandshakes;
    c.verifiedAt = now;
  }
  c.sessionPending = c.reuse;
  if (X509* cert = SSL_get1_peer_certificate(c.ssl)) {
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert)) == 1) {
      c.certDays = days;
      c.notAfterUnix = static_cast<int64_t>(std::time(nullptr)) + int64_t(days) * 86400 + secs;
    }
    X509_free(cert);
  }
  if (c.target.spec.method == ProbeMethod::kTcp) {  // a TLS handshake is the whole check
    finish(c, true, "ok", now, out);
    return false;
  }
  c.phase = Conn::Phase::kSending;
  return true;
}

bool ProbeEngine::tlsReusable(const Conn& c, int64_t now) const {
  if (now - c.verifiedAt >= kTlsReverifyMicros) {
    return false;
  }
  // An expired certificate is not trusted on an old connection either: a full handshake then
  // fails the check as it would without hcreuse.
  return !c.target.verify || c.notAfterUnix == 0 ||
         static_cast<int64_t>(std::time(nullptr)) < c.notAfterUnix;
}

void ProbeEngine::keepSession(Conn& c) {
  c.sessionPending = false;
  SSL_SESSION* s = SSL_get1_session(c.ssl);
  if (s == nullptr) {
    return;
  }
  if (!SSL_SESSION_is_resumable(s) || s == c.session) {
    SSL_SESSION_free(s);
    return;
  }
  if (c.session != nullptr) {
    SSL_SESSION_free(c.session);
  }
  c.session = s;
}

}  // namespace fleet::health
