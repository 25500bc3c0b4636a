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

namespace fleet::health {

struct ProbeEngine::Probe {
  size_t id = 0;
  ProbeTarget target;
  int64_t started = 0;
  int64_t deadline = 0;
  enum class Phase { kConnecting, kSending, kReading } phase = Phase::kConnecting;
  std::string request;
  size_t sent = 0;
  std::unique_ptr<ResponseParser> parser;
};

namespace {

const char* phaseText(int phase) {
  switch (phase) {
    case 0: return "connecting";
    case 1: return "sending the request";
    default: return "waiting for the answer";
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

ProbeEngine::ProbeEngine() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {}

ProbeEngine::~ProbeEngine() {
  for (auto& p : probes_) {
    close(p.first);
  }
  if (epoll_ >= 0) {
    close(epoll_);
  }
}

void ProbeEngine::start(size_t id, const ProbeTarget& target, int64_t now) {
  auto fail = [&](const std::string& why) {
    ProbeResult r;
    r.reason = why;
    immediate_.emplace_back(id, std::move(r));
  };
  int fd = socket(target.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target.addr), target.addrLen) != 0 &&
      errno != EINPROGRESS) {
    std::string why = std::strerror(errno);
    close(fd);
    return fail("connect: " + why);
  }
  auto p = std::make_unique<Probe>();
  p->id = id;
  p->target = target;
  p->started = now;
  p->deadline = now + target.timeoutMicros;
  if (target.spec.method != ProbeMethod::kTcp) {
    p->request = buildRequest(target.spec);
    p->parser = std::make_unique<ResponseParser>(target.spec.method == ProbeMethod::kHead,
                                                 target.maxBody);
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return fail("epoll: " + why);
  }
  probes_[fd] = std::move(p);
}

void ProbeEngine::finish(int fd, bool passed, const std::string& reason, int64_t now,
                         std::vector<std::pair<size_t, ProbeResult>>* out) {
  auto it = probes_.find(fd);
  if (it == probes_.end()) {
    return;
  }
  Probe& p = *it->second;
  ProbeResult r;
  r.passed = passed;
  r.reason = reason;
  r.latencyMicros = now - p.started;
  if (p.parser) {
    r.status = p.parser->status();
    r.body = p.parser->body();
  }
  out->emplace_back(p.id, std::move(r));
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
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
    if (p.target.spec.method == ProbeMethod::kTcp) {
      return finish(fd, true, "ok", now, out);
    }
    p.phase = Probe::Phase::kSending;
  }
  if (p.phase == Probe::Phase::kSending) {
    while (p.sent < p.request.size()) {
      ssize_t n = send(fd, p.request.data() + p.sent, p.request.size() - p.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
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
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return finish(fd, false, std::string("recv: ") + std::strerror(errno), now, out);
    }
    ResponseParser::State st = p.parser->feed(buf, static_cast<size_t>(n));
    if (st == ResponseParser::State::kError) {
      return finish(fd, false, "bad answer: " + p.parser->error(), now, out);
    }
    if (st == ResponseParser::State::kDone) {
      int status = p.parser->status();
      bool ok = p.target.expect.contains(status);
      return finish(fd, ok, ok ? "ok" : "status " + std::to_string(status), now, out);
    }
    if (n == 0) {
      return;  // feed(0) settled it above; unreachable
    }
  }
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
