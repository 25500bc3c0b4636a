#include "shared/health/probe_engine.h"

#include <netdb.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "shared/common/parse.h"
#include "shared/health/probe_internal.h"

namespace fleet::health {
namespace {

bool sameTarget(const ProbeTarget& a, const ProbeTarget& b) {
  return a.addrLen == b.addrLen && std::memcmp(&a.addr, &b.addr, a.addrLen) == 0 &&
         a.spec == b.spec && a.expect == b.expect && a.timeoutMicros == b.timeoutMicros &&
         a.maxBody == b.maxBody && a.readBody == b.readBody && a.tls == b.tls && a.sni == b.sni &&
         a.verify == b.verify && a.caFile == b.caFile && a.reuse == b.reuse;
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
    : epoll_(epoll_create1(EPOLL_CLOEXEC)),
      tls_(std::make_unique<TlsContexts>()),
      pending_(std::make_unique<epoll_event[]>(kMaxEvents)) {}

ProbeEngine::~ProbeEngine() {
  for (auto& c : conns_) {
    if (c && c->fd >= 0) {
      close(c->fd);
    }
  }
  if (epoll_ >= 0) {
    close(epoll_);
  }
}

ProbeEngine::Conn& ProbeEngine::slotFor(size_t id) {
  auto it = slots_.find(id);
  if (it != slots_.end()) {
    return *conns_[it->second];
  }
  uint32_t slot;
  if (!freeSlots_.empty()) {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(conns_.size());
    conns_.emplace_back();
  }
  conns_[slot] = std::make_unique<Conn>();
  conns_[slot]->id = id;
  conns_[slot]->slot = slot;
  slots_.emplace(id, slot);
  return *conns_[slot];
}

void ProbeEngine::setRunning(Conn& c, bool running) {
  if (c.running != running) {
    c.running = running;
    active_ += running ? 1 : static_cast<size_t>(-1);
  }
}

void ProbeEngine::update(size_t id, const ProbeTarget& target, const std::string& unreachable) {
  auto it = slots_.find(id);
  bool fresh = it == slots_.end();
  Conn& c = fresh ? slotFor(id) : *conns_[it->second];
  c.unreachable = unreachable;
  if (!fresh && sameTarget(c.next ? *c.next : c.target, target)) {
    return;  // the usual case: called for every member on every refresh
  }
  if (c.running) {
    c.next = std::make_unique<ProbeTarget>(target);
    return;
  }
  c.next.reset();
  apply(c, target);
}

// New settings (first ones, balancer-manager, a new address): nothing kept for the old ones is
// used.
void ProbeEngine::apply(Conn& c, const ProbeTarget& target) {
  closeConn(c, false);
  c.target = target;
  c.http = target.spec.method != ProbeMethod::kTcp;
  c.reuse = target.reuse && c.http;
  c.request = c.http ? buildRequest(target.spec, c.reuse) : std::string();
  c.verifiedAt = 0;
  c.notAfterUnix = 0;
}

bool ProbeEngine::start(size_t id, int64_t now) {
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    return false;
  }
  Conn& c = *conns_[it->second];
  if (c.running) {  // not expected (a member is never checked twice at once): the new one counts
    closeConn(c, false);
    setRunning(c, false);
  }
  if (c.next) {
    std::unique_ptr<ProbeTarget> next = std::move(c.next);
    apply(c, *next);
  }
  const ProbeTarget& target = c.target;
  setRunning(c, true);
  c.check = ++checks_;
  c.started = now;
  c.deadline = now + target.timeoutMicros;
  c.reused = false;
  c.gotBytes = false;
  c.peerClosed = false;
  c.received = 0;
  c.sent = 0;
  c.certDays = -1;
  if (c.http) {
    c.parser.reset(target.spec.method == ProbeMethod::kHead, target.maxBody, target.readBody);
  }
  if (!c.unreachable.empty()) {
    closeConn(c, true);
    finish(c, false, c.unreachable, now, &immediate_);
    return true;
  }
  deadlines_.push(Deadline{c.deadline, c.check, c.slot});
  if (c.fd >= 0 && c.reuse && (c.ssl == nullptr || tlsReusable(c, now))) {
    c.reused = true;
    c.phase = Conn::Phase::kSending;
    if (c.ssl != nullptr && c.notAfterUnix != 0) {
      c.certDays = static_cast<int>((c.notAfterUnix - std::time(nullptr)) / 86400);
    }
    drive(c, 0, now, &immediate_);
    return true;
  }
  closeConn(c, true);
  connectFresh(c, now, &immediate_);
  return true;
}

void ProbeEngine::forget(size_t id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    return;
  }
  uint32_t slot = it->second;
  Conn& c = *conns_[slot];
  closeConn(c, true);
  setRunning(c, false);  // a running check ends without a result
  conns_[slot].reset();
  freeSlots_.push_back(slot);
  slots_.erase(it);
  // A check that failed at once and is not reported yet is not reported at all.
  for (auto r = immediate_.begin(); r != immediate_.end();) {
    r = r->first == id ? immediate_.erase(r) : r + 1;
  }
}

size_t ProbeEngine::idle() const {
  size_t n = 0;
  for (const auto& c : conns_) {
    n += c && c->fd >= 0 && !c->running ? 1 : 0;
  }
  return n;
}

void ProbeEngine::finish(Conn& c, bool passed, const std::string& reason, int64_t now,
                         Results* out) {
  if (!c.running) {
    return;
  }
  if (!passed && c.reused && !c.gotBytes && now < c.deadline) {
    // The member closed the kept connection just as the check started: that says nothing about
    // its health. Check again on a fresh connection, within the same deadline.
    closeConn(c, true);
    c.reused = false;
    c.peerClosed = false;
    c.sent = 0;
    c.received = 0;
    c.certDays = -1;
    c.parser.reset(c.target.spec.method == ProbeMethod::kHead, c.target.maxBody, c.target.readBody);
    return connectFresh(c, now, out);
  }
  ProbeResult r;
  r.passed = passed;
  r.reason = reason;
  r.latencyMicros = now - c.started;
  bool answered = false;
  if (c.http) {
    r.status = c.parser.status();
    r.body.swap(c.parser.body());
    r.headers.swap(c.parser.headers());
    answered = c.parser.state() == ResponseParser::State::kDone;
  }
  r.certDaysLeft = c.certDays;
  setRunning(c, false);
  bool clean = passed || answered;
  if (c.ssl != nullptr && c.sessionPending && clean) {
    keepSession(c);
  }
  bool keep = c.reuse && c.fd >= 0 && answered && !c.peerClosed && c.parser.reusable() &&
              (c.ssl == nullptr || SSL_has_pending(c.ssl) == 0);
  if (!keep) {
    closeConn(c, clean);
  }
  out->emplace_back(c.id, std::move(r));
}

void ProbeEngine::wait(int waitMillis) {
  if (active_ == 0 || !immediate_.empty() || pendingCount_ > 0) {
    return;
  }
  // Edge-triggered: what this wait collects is handled by the next step().
  int n = epoll_wait(epoll_, pending_.get(), kMaxEvents, waitMillis);
  pendingCount_ = n > 0 ? n : 0;
}

ProbeEngine::Results ProbeEngine::step(int64_t now, int waitMillis) {
  Results out;
  step(now, waitMillis, &out);
  return out;
}

void ProbeEngine::step(int64_t now, int waitMillis, Results* out) {
  if (!immediate_.empty()) {
    for (auto& r : immediate_) {
      out->push_back(std::move(r));
    }
    immediate_.clear();
  }
  int n = pendingCount_;
  pendingCount_ = 0;
  if (n == 0) {
    // Kept connections are watched too (a member closing one), but only a running check is
    // waited for.
    n = epoll_wait(epoll_, pending_.get(), kMaxEvents, active_ > 0 ? waitMillis : 0);
  }
  for (int i = 0; i < n; ++i) {
    uint32_t slot = static_cast<uint32_t>(pending_[i].data.u64);
    uint32_t gen = static_cast<uint32_t>(pending_[i].data.u64 >> 32);
    if (slot >= conns_.size() || !conns_[slot]) {
      continue;
    }
    Conn& c = *conns_[slot];
    if (c.gen != gen || c.fd < 0) {
      continue;  // a connection closed since
    }
    if (c.running) {
      drive(c, pending_[i].events, now, out);
    } else {
      idleEvent(c, pending_[i].events);
    }
  }
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    Deadline d = deadlines_.top();
    deadlines_.pop();
    if (d.slot >= conns_.size() || !conns_[d.slot]) {
      continue;
    }
    Conn& c = *conns_[d.slot];
    if (c.running && c.check == d.check) {
      finish(c, false,
             "timeout after " + common::formatDurationMicros(c.target.timeoutMicros) + " " +
                 c.phaseText(),
             now, out);
    }
  }
}

}  // namespace fleet::health
