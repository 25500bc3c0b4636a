// The non-blocking probe engine: one epoll loop drives any number of TCP and HTTP health checks at
// once, each with its own deadline. The caller owns time: step() is given `now` and checks
// deadlines against it, so tests expire probes without waiting. Used by one thread (the checker).
// The process must ignore SIGPIPE (httpd does): TLS writes go through OpenSSL's socket BIO.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "shared/health/http_probe.h"

namespace fleet::health {

struct ProbeTarget {
  sockaddr_storage addr{};
  socklen_t addrLen = 0;
  ProbeSpec spec;  // TCP, or an HTTP method with uri and Host
  StatusList expect = StatusList::defaults();
  int64_t timeoutMicros = 5000000;  // the whole check: connect, send, answer
  size_t maxBody = 8192;            // body bytes kept for expressions
  // An expression (hcexpr) decides: headers and the first maxBody body bytes are read. Without
  // one the status decides, and reading stops once the headers are in: a member streaming an
  // endless body costs one read, not a core.
  bool readBody = false;
  // TLS (https members): SNI and the name checked against the certificate; verification against
  // caFile (or the system store when empty) unless verify is off.
  bool tls = false;
  std::string sni;
  bool verify = true;
  std::string caFile;
  // Plain HTTP checks: keep the connection for the member's next check when it allows
  // (hcreuse; Envoy's default). A kept connection that the member has closed meanwhile is
  // replaced by a fresh one within the same check.
  bool reuse = false;
};

struct ProbeResult {
  bool passed = false;
  std::string reason;  // why it failed ("connection refused", "timeout after 2s waiting for the
                       // answer", "status 503"), or "ok"
  int status = 0;      // HTTP status, 0 for TCP or when none was read
  int64_t latencyMicros = 0;
  std::string body;  // the first maxBody bytes, for expressions
  std::vector<std::pair<std::string, std::string>> headers;  // the response's, for expressions
  int certDaysLeft = -1;  // TLS: whole days until the member's certificate expires (-1: unknown)
};

// "127.0.0.1", "::1" or a host name resolved now, blocking (BlockingResolver's way); false and a
// reason when it cannot.
bool resolveTarget(const std::string& host, int port, ProbeTarget* target, std::string* why);

class ProbeEngine {
 public:
  ProbeEngine();
  ~ProbeEngine();
  ProbeEngine(const ProbeEngine&) = delete;
  ProbeEngine& operator=(const ProbeEngine&) = delete;

  bool ok() const { return epoll_ >= 0; }
  // Starts a check; its result comes out of a later step() (or of this call, when it fails at
  // once).
  void start(size_t id, const ProbeTarget& target, int64_t nowMicros);
  // Waits up to waitMillis for I/O (0 = just poll), advances every check, fails those past their
  // deadline at `nowMicros`, and returns the checks that ended as (id, result).
  std::vector<std::pair<size_t, ProbeResult>> step(int64_t nowMicros, int waitMillis);
  // Waits up to waitMillis until a running check has I/O ready (at once when none runs), without
  // advancing anything: a caller that reads its clock afterwards then calls step(now, 0), so
  // latencies and deadlines use the time after the wait.
  void wait(int waitMillis);
  size_t active() const { return probes_.size(); }
  size_t idle() const { return idle_.size(); }
  // Closes a kept connection of `id` (a member that is no longer checked).
  void forget(size_t id);

 private:
  struct Probe;
  bool connectFresh(Probe& p, int64_t now);
  void finish(int fd, bool passed, const std::string& reason, int64_t now,
              std::vector<std::pair<size_t, ProbeResult>>* out);
  void advance(int fd, uint32_t events, int64_t now,
               std::vector<std::pair<size_t, ProbeResult>>* out);

  struct TlsContexts;
  bool startTls(int fd, Probe& p, int64_t now, std::vector<std::pair<size_t, ProbeResult>>* out);
  // Runs a TLS handshake step; false when the probe ended or must wait for I/O.
  bool handshake(int fd, Probe& p, int64_t now, std::vector<std::pair<size_t, ProbeResult>>* out);

  int epoll_ = -1;
  std::unique_ptr<TlsContexts> tls_;
  std::unordered_map<int, std::unique_ptr<Probe>> probes_;
  std::vector<std::pair<size_t, ProbeResult>> immediate_;
  std::unordered_map<size_t, int> idle_;  // id -> a kept-alive connection between checks
};

}  // namespace fleet::health
