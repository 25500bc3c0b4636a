// The inside of ProbeEngine, shared by its two source files: probe_engine.cpp (connections, the
// request and the answer) and probe_tls.cpp (HTTPS checks: contexts, handshake, certificate).
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "shared/health/http_probe.h"
#include "shared/health/probe_engine.h"

namespace fleet::health {

struct ProbeEngine::Probe {
  ~Probe() {
    if (ssl != nullptr) {
      SSL_free(ssl);
    }
  }
  size_t id = 0;
  int fd = -1;
  bool reused = false;    // on a connection kept from the previous check
  bool gotBytes = false;  // any answer byte arrived
  uint64_t received = 0;  // answer bytes read
  ProbeTarget target;
  int64_t started = 0;
  int64_t deadline = 0;
  enum class Phase { kConnecting, kHandshaking, kSending, kReading } phase = Phase::kConnecting;
  std::string request;
  size_t sent = 0;
  std::unique_ptr<ResponseParser> parser;
  SSL* ssl = nullptr;
  int certDays = -1;
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
