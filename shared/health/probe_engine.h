// The non-blocking probe engine: one epoll loop drives any number of TCP and HTTP health checks at
// once, each with its own deadline. The caller owns time: step() is given `now` and checks
// deadlines against it, so tests expire probes without waiting. Used by one thread (the checker).
// The process must ignore SIGPIPE (httpd does): TLS writes go through OpenSSL's socket BIO.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "shared/health/http_probe.h"

struct epoll_event;

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
  // HTTP and HTTPS checks: keep the connection for the member's next check when it allows
  // (hcreuse; Envoy's default). A kept connection that the member has closed meanwhile is
  // replaced by a fresh one within the same check; for HTTPS, that one resumes the TLS session.
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

// With hcreuse, how long a kept TLS connection or a resumed session stands for a full handshake:
// then the member's certificate is verified again (one full handshake per member every ten
// minutes). A certificate that has expired meanwhile ends the reuse at once.
constexpr int64_t kTlsReverifyMicros = 600LL * 1000000;

// "127.0.0.1", "::1" or a host name resolved now, blocking (BlockingResolver's way); false and a
// reason when it cannot.
bool resolveTarget(const std::string& host, int port, ProbeTarget* target, std::string* why);

class ProbeEngine {
 public:
  using Results = std::vector<std::pair<size_t, ProbeResult>>;

  ProbeEngine();
  ~ProbeEngine();
  ProbeEngine(const ProbeEngine&) = delete;
  ProbeEngine& operator=(const ProbeEngine&) = delete;

  bool ok() const { return epoll_ >= 0; }
  // How checks of `id` (one member) are made from now on; a check running keeps its settings.
  // What the engine keeps for an id between checks (the request bytes, a kept connection, a TLS
  // session) stays until forget(id), or until the settings change. A non-empty `unreachable`
  // fails each check at once with that reason (the member's address is not known).
  void update(size_t id, const ProbeTarget& target, const std::string& unreachable = "");
  // Starts a check of `id` as last updated; its result comes out of a later step() (also when
  // it fails at once). False, starting nothing, for an id never updated (or forgotten).
  bool start(size_t id, int64_t nowMicros);
  // update() and start() in one.
  void start(size_t id, const ProbeTarget& target, int64_t nowMicros) {
    update(id, target);
    start(id, nowMicros);
  }
  // Waits up to waitMillis for I/O (0 = just poll), advances every check, fails those past their
  // deadline at `nowMicros`, and returns the checks that ended as (id, result).
  Results step(int64_t nowMicros, int waitMillis);
  // The same, appending to `out` (whose memory the caller keeps from one step to the next).
  void step(int64_t nowMicros, int waitMillis, Results* out);
  // Waits up to waitMillis until a running check has I/O ready (at once when none runs), without
  // advancing anything: a caller that reads its clock afterwards then calls step(now, 0), so
  // latencies and deadlines use the time after the wait.
  void wait(int waitMillis);
  size_t active() const { return active_; }
  // Connections kept open between checks (hcreuse).
  size_t idle() const;
  // Everything kept for `id` goes (a member that is no longer checked); a check of it still
  // running ends without a result.
  void forget(size_t id);

  // Counters since the engine started, for tests and benchmarks: connections opened, TLS
  // handshakes done in full and resumed from a kept session.
  struct Counters {
    uint64_t connects = 0;
    uint64_t fullHandshakes = 0;
    uint64_t resumedHandshakes = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Conn;
  struct TlsContexts;
  struct Deadline {
    int64_t at;
    uint64_t check;  // which check (engine-wide sequence): later entries of a slot make it stale
    uint32_t slot;
    bool operator>(const Deadline& o) const { return at > o.at; }
  };

  Conn& slotFor(size_t id);
  void apply(Conn& c, const ProbeTarget& target);
  void connectFresh(Conn& c, int64_t now, Results* out);
  void drive(Conn& c, uint32_t events, int64_t now, Results* out);
  bool sendRequest(Conn& c, int64_t now, Results* out);
  void readAnswer(Conn& c, int64_t now, Results* out);
  void finish(Conn& c, bool passed, const std::string& reason, int64_t now, Results* out);
  void idleEvent(Conn& c, uint32_t events);
  // Closes c's connection (the TLS session is kept when `clean`: the connection ended in order).
  void closeConn(Conn& c, bool clean);
  void setRunning(Conn& c, bool running);

  bool startTls(Conn& c, int64_t now, Results* out);
  // Runs a TLS handshake step; false when the probe ended or must wait for I/O.
  bool handshake(Conn& c, int64_t now, Results* out);
  // Whether a kept TLS connection may carry the next check (its certificate still valid and
  // verified recently enough).
  bool tlsReusable(const Conn& c, int64_t now) const;
  void keepSession(Conn& c);

  int epoll_ = -1;
  std::unique_ptr<TlsContexts> tls_;
  std::vector<std::unique_ptr<Conn>> conns_;  // by slot; nullptr = free
  std::vector<uint32_t> freeSlots_;
  std::unordered_map<size_t, uint32_t> slots_;  // id -> slot
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines_;
  Results immediate_;
  static constexpr int kMaxEvents = 256;
  std::unique_ptr<::epoll_event[]> pending_;  // collected by wait(), handled by step()
  int pendingCount_ = 0;
  size_t active_ = 0;
  uint64_t checks_ = 0;
  uint32_t gens_ = 0;
  Counters counters_;
};

}  // namespace fleet::health
