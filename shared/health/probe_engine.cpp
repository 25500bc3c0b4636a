#include "shared/health/probe_engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>

#include "shared/common/parse.h"
#include "shared/health/probe_internal.h"

namespace fleet::health {

// hcreuse: an answer longer than this is not worth reading to the end to keep its connection.
constexpr uint64_t kReuseReadLimit = 65536;

namespace {

const char* phaseText(int phase) {
  switch (phase) {
    case 0:
      return "connecting";
    case 1:
      return "in the TLS handshake";
    case 2:
      return "sending the request";
    default:
      return "waiting for the answer";
  }
}

}  // namespace

bool resolveTarget(const std::string& host, int port, ProbeTarget* target, std::string* why) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    *why = "cannot resolve " + host + ": " + gai_strerror(rc);
    return false;
  }
  std::memcpy(&target->addr, res->ai_addr, res->ai_addrlen);
  target->addrLen = static_cast<socklen_t>(res->ai_addrlen);
  freeaddrinfo(res);
  return true;
}

ProbeEngine::ProbeEngine()
    : epoll_(epoll_create1(EPOLL_CLOEXEC)), tls_(std::make_unique<TlsContexts>()) {}

ProbeEngine::~ProbeEngine() {
  for (auto& p : probes_) {
    close(p.first);
  }
  for (auto& i : idle_) {
    close(i.second);
  }
  if (epoll_ >= 0) {
    close(epoll_);
  }
}

void ProbeEngine::start(size_t id, const ProbeTarget& target, int64_t now) {
  auto p = std::make_unique<Probe>();
  p->id = id;
  p->target = target;
  p->started = now;
  p->deadline = now + target.timeoutMicros;
  bool reuse = target.reuse && !target.tls && target.spec.method != ProbeMethod::kTcp;
  if (target.spec.method != ProbeMethod::kTcp) {
    p->request = buildRequest(target.spec, reuse);
    p->parser =
        std::make_unique<ResponseParser>(target.spec.method == ProbeMethod::kHead, target.maxBody);
  }
  int fd = -1;
  auto kept = idle_.find(id);
  if (kept != idle_.end()) {
    fd = kept->second;
    idle_.erase(kept);
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (!reuse || n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      close(fd);  // closed by the member (or it sent something unasked): start afresh
      fd = -1;
    }
  }
  if (fd >= 0) {
    p->reused = true;
    p->phase = Probe::Phase::kSending;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) == 0) {
      probes_[fd] = std::move(p);
      return;
    }
    close(fd);
    p->reused = false;
    p->phase = Probe::Phase::kConnecting;
  }
  if (connectFresh(*p, now)) {
    int newFd = p->fd;
    probes_[newFd] = std::move(p);
  }
}

// Opens the probe's connection and registers it; false (with the result queued) on failure.
bool ProbeEngine::connectFresh(Probe& p, int64_t now) {
  auto fail = [&](const std::string& why) {
    ProbeResult r;
    r.reason = why;
    r.latencyMicros = now - p.started;
    immediate_.emplace_back(p.id, std::move(r));
    return false;
  };
  const ProbeTarget& target = p.target;
  int fd = socket(target.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!target.reuse) {
    // A check's connection ends with a reset, as HAProxy's checks do: no FIN exchange and no
    // TIME_WAIT socket per check, which with thousands of checks a second costs the most.
    linger noLinger{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &noLinger, sizeof noLinger);
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target.addr), target.addrLen) != 0 &&
      errno != EINPROGRESS) {
    std::string why = std::strerror(errno);
    close(fd);
    return fail("connect: " + why);
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return fail("epoll: " + why);
  }
  p.fd = fd;
  p.phase = Probe::Phase::kConnecting;
  return true;
}

void ProbeEngine::forget(size_t id) {
  auto it = idle_.find(id);
  if (it != idle_.end()) {
    close(it->second);
    idle_.erase(it);
  }
}

void ProbeEngine::finish(int fd, bool passed, const std::string& reason, int64_t now,
                         std::vector<std::pair<size_t, ProbeResult>>* out) {
  auto it = probes_.find(fd);
  if (it == probes_.end()) {
    return;
  }
  Probe& p = *it->second;
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  if (!passed && p.reused && !p.gotBytes && now < p.deadline) {
    // The member closed the kept connection just as the check started: that says nothing about
    // its health. Check again on a fresh connection, within the same deadline.
    close(fd);
    std::unique_ptr<Probe> again = std::move(it->second);
    probes_.erase(it);
    again->reused = false;
    again->sent = 0;
    if (connectFresh(*again, now)) {
      int newFd = again->fd;
      probes_[newFd] = std::move(again);
    }
    return;
  }
  ProbeResult r;
  r.passed = passed;
  r.reason = reason;
  r.latencyMicros = now - p.started;
  if (p.parser) {
    r.status = p.parser->status();
    r.body = p.parser->body();
    r.headers = p.parser->headers();
  }
  r.certDaysLeft = p.certDays;
  out->emplace_back(p.id, std::move(r));
  if (p.target.reuse && p.ssl == nullptr && p.parser && p.parser->reusable()) {
    forget(p.id);
    idle_[p.id] = fd;  // kept for the next check
  } else {
    close(fd);
  }
  probes_.erase(it);
}

void ProbeEngine::advance(int fd, uint32_t events, int64_t now,
                          std::vector<std::pair<size_t, ProbeResult>>* out) {
  auto it = probes_.find(fd);
  if (it == probes_.end()) {
    return;
  }
  Probe& p = *it->second;
  if (p.phase == Probe::Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return finish(fd, false, std::string("connect: ") + std::strerror(err), now, out);
    }
    if (!(events & (EPOLLOUT | EPOLLIN))) {
      return;
    }
    if (p.target.tls) {
      if (!startTls(fd, p, now, out)) {
        return;
      }
    } else if (p.target.spec.method == ProbeMethod::kTcp) {
      return finish(fd, true, "ok", now, out);
    } else {
      p.phase = Probe::Phase::kSending;
    }
  }
  if (p.phase == Probe::Phase::kHandshaking && !handshake(fd, p, now, out)) {
    return;
  }
  if (p.phase == Probe::Phase::kSending) {
    while (p.sent < p.request.size()) {
      if (p.ssl != nullptr) {
        int n = SSL_write(p.ssl, p.request.data() + p.sent,
                          static_cast<int>(p.request.size() - p.sent));
        if (n <= 0) {
          int e = SSL_get_error(p.ssl, n);
          if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
            return;
          }
          return finish(fd, false, tlsError(p.ssl), now, out);
        }
        p.sent += static_cast<size_t>(n);
        continue;
      }
      ssize_t n = send(fd, p.request.data() + p.sent, p.request.size() - p.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          return;
        }
        return finish(fd, false, std::string("send: ") + std::strerror(errno), now, out);
      }
      p.sent += static_cast<size_t>(n);
    }
    p.phase = Probe::Phase::kReading;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
    return;
  }
  char buf[8192];
  for (;;) {
    ssize_t n;
    if (p.ssl != nullptr) {
      int got = SSL_read(p.ssl, buf, sizeof buf);
      if (got <= 0) {
        int e = SSL_get_error(p.ssl, got);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          return;
        }
        if (e != SSL_ERROR_ZERO_RETURN && !(e == SSL_ERROR_SYSCALL && errno == 0)) {
          return finish(fd, false, tlsError(p.ssl), now, out);
        }
        got = 0;  // the member closed the connection (with or without close_notify)
      }
      n = got;
    } else {
      n = recv(fd, buf, sizeof buf, 0);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      }
      return finish(fd, false, std::string("recv: ") + std::strerror(errno), now, out);
    }
    p.gotBytes |= n > 0;
    p.received += static_cast<uint64_t>(n);
    ResponseParser::State st = p.parser->feed(buf, static_cast<size_t>(n));
    if (st == ResponseParser::State::kError) {
      return finish(fd, false, "bad answer: " + p.parser->error(), now, out);
    }
    // With the headers in, read on only for an expression's body or to keep a small answer's
    // connection (hcreuse); every probe reads a bounded number of bytes.
    bool more = (p.target.readBody && !p.parser->bodyFull()) ||
                (p.target.reuse && p.received <= kReuseReadLimit);
    if (st == ResponseParser::State::kDone || (p.parser->headersDone() && !more)) {
      int status = p.parser->status();
      bool ok = p.target.expect.contains(status);
      return finish(fd, ok, ok ? "ok" : "status " + std::to_string(status), now, out);
    }
    if (n == 0) {
      return;  // feed(0) settled it above; unreachable
    }
  }
}

void ProbeEngine::wait(int waitMillis) {
  if (probes_.empty() || !immediate_.empty()) {
    return;
  }
  epoll_event events[1];
  // Level-triggered: whatever is ready now is reported again by the next step().
  epoll_wait(epoll_, events, 1, waitMillis);
}

std::vector<std::pair<size_t, ProbeResult>> ProbeEngine::step(int64_t now, int waitMillis) {
  std::vector<std::pair<size_t, ProbeResult>> out;
  out.swap(immediate_);
  if (!probes_.empty()) {
    epoll_event events[256];
    int n = epoll_wait(epoll_, events, 256, waitMillis);
    for (int i = 0; i < n; ++i) {
      advance(events[i].data.fd, events[i].events, now, &out);
    }
  }
  std::vector<int> expired;
  for (const auto& p : probes_) {
    if (now >= p.second->deadline) {
      expired.push_back(p.first);
    }
  }
  for (int fd : expired) {
    const Probe& p = *probes_[fd];
    finish(fd, false,
           "timeout after " + common::formatDurationMicros(p.target.timeoutMicros) + " " +
               phaseText(static_cast<int>(p.phase)),
           now, &out);
  }
  return out;
}

}  // namespace fleet::health
