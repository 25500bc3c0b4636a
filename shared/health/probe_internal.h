// The inside of ProbeEngine, shared by its source files: probe_engine.cpp (members, starting
// checks, the event loop, deadlines, results), probe_io.cpp (a check's connection, request and
// answer) and probe_tls.cpp (HTTPS checks: contexts, handshake, certificate, sessions).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "shared/health/http_probe.h"
#include "shared/health/probe_engine.h"

namespace fleet::health {

// What the engine keeps for one checked member (an id), from one check to the next: its target
// as last started, the request bytes made for it, the parser's buffers, a kept connection and a
// TLS session. Its epoll registration names the slot and the connection's generation, so an
// event of a connection closed meanwhile is recognized and dropped.
struct ProbeEngine::Conn {
  ~Conn() {
    if (ssl != nullptr) {
      SSL_free(ssl);
    }
    if (session != nullptr) {
      SSL_SESSION_free(session);
    }
  }
  size_t id = 0;
  uint32_t slot = 0;
  uint32_t gen = 0;  // bumped for each new connection
  int fd = -1;
  SSL* ssl = nullptr;
  ProbeTarget target;
  std::unique_ptr<ProbeTarget> next;  // an update() that came while a check ran: for the next one
  std::string unreachable;            // each check fails at once with this reason
  bool http = false;                  // an HTTP method (not TCP)
  bool reuse = false;                 // hcreuse applies: an HTTP method with reuse on
  std::string request;
  ResponseParser parser{false};

  // The running check.
  bool running = false;
  uint64_t check = 0;       // its sequence number (for the deadline queue)
  bool reused = false;      // on a connection kept from the previous check
  bool gotBytes = false;    // any answer byte arrived
  bool peerClosed = false;  // the member closed its side (or the connection failed)
  uint64_t received = 0;    // answer bytes read
  int64_t started = 0;
  int64_t deadline = 0;
  enum class Phase { kConnecting, kHandshaking, kSending, kReading } phase = Phase::kConnecting;
  size_t sent = 0;
  int certDays = -1;
  const char* phaseText() const {
    switch (phase) {
      case Phase::kConnecting:
        return "connecting";
      case Phase::kHandshaking:
        return "in the TLS handshake";
      case Phase::kSending:
        return "sending the request";
      default:
        return "waiting for the answer";
    }
  }

  // TLS with hcreuse: the session to resume a new connection with, and when a full handshake
  // last verified the member's certificate (a kept connection or a resumed session is used
  // until kTlsReverifyMicros after that, or until the certificate expires).
  SSL_SESSION* session = nullptr;
  bool sessionPending = false;  // a new connection's session is taken when its check ends
  int64_t verifiedAt = 0;
  int64_t notAfterUnix = 0;  // the member certificate's end (unix seconds); 0 = unknown
};

// One client context per (verify, CA file), made on first use and kept for the engine's life.
struct ProbeEngine::TlsContexts {
  ~TlsContexts();
  SSL_CTX* get(bool verify, const std::string& ca, std::string* why);
  std::map<std::pair<bool, std::string>, SSL_CTX*> ctxs;
};

// Why a TLS step failed: the certificate verdict, else OpenSSL's error queue.
std::string tlsError(SSL* ssl);

}  // namespace fleet::health
