// How one check's connection goes: connecting (plain or TLS), sending the request, reading the
// answer, and a kept connection between checks (hcreuse). Part of ProbeEngine (see
// probe_internal.h); its tests are probe_engine_test's and probe_tls_test's.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "shared/health/probe_internal.h"

namespace fleet::health {
namespace {

// hcreuse: an answer longer than this is not worth reading to the end to keep its connection.
constexpr uint64_t kReuseReadLimit = 65536;

// Edge-triggered, both directions, registered once per connection: a check moves from connecting
// to sending to reading, and a kept connection waits for its next check, without an epoll_ctl
// call. Every handler therefore reads or writes until the socket would block.
constexpr uint32_t kEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
constexpr uint32_t kReadable = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
constexpr uint32_t kWritable = EPOLLOUT | EPOLLHUP | EPOLLERR;

uint64_t tag(uint32_t slot, uint32_t gen) { return (static_cast<uint64_t>(gen) << 32) | slot; }

}  // namespace

// Opens the check's connection and registers it; on failure the check ends at once.
void ProbeEngine::connectFresh(Conn& c, int64_t now, Results* out) {
  const ProbeTarget& target = c.target;
  int fd = socket(target.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return finish(c, false, std::string("socket: ") + std::strerror(errno), now, out);
  }
  if (target.tls) {
    // The handshake's last flight and the request follow each other unanswered: no Nagle delay.
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (!c.reuse) {
    // A check's connection ends with a reset, as HAProxy's checks do: no FIN exchange and no
    // TIME_WAIT socket per check, which with thousands of checks a second costs the most.
    linger noLinger{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &noLinger, sizeof noLinger);
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target.addr), target.addrLen) != 0 &&
      errno != EINPROGRESS) {
    std::string why = std::strerror(errno);
    close(fd);
    return finish(c, false, "connect: " + why, now, out);
  }
  c.gen = ++gens_;
  epoll_event ev{};
  ev.events = kEvents;
  ev.data.u64 = tag(c.slot, c.gen);
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return finish(c, false, "epoll: " + why, now, out);
  }
  c.fd = fd;
  c.phase = Conn::Phase::kConnecting;
  ++counters_.connects;
  if (c.http && !target.tls) {
    drive(c, 0, now, out);  // on loopback the connection is up already: send at once
  }
}

void ProbeEngine::closeConn(Conn& c, bool clean) {
  if (c.ssl != nullptr) {
    if (clean) {
      // Ended in order (answered, or closed by the member between checks): OpenSSL keeps the
      // session resumable only when told so.
      SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN);
    }
    SSL_free(c.ssl);
    c.ssl = nullptr;
  }
  if (c.fd >= 0) {
    close(c.fd);  // also leaves the epoll set
    c.fd = -1;
  }
  if (!clean && c.session != nullptr) {
    SSL_SESSION_free(c.session);
    c.session = nullptr;
  }
}

// Takes the check as far as it goes without blocking. `events` is what epoll reported (0: no
// event, the check has just been started or the connection just made).
void ProbeEngine::drive(Conn& c, uint32_t events, int64_t now, Results* out) {
  bool tls = c.ssl != nullptr || c.target.tls;
  // The member's FIN (or an error) reported with the answer's last bytes: no later edge will say
  // so again, so the connection is not kept.
  c.peerClosed |= (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
  if (c.phase == Conn::Phase::kConnecting) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        return finish(c, false, std::string("connect: ") + std::strerror(err), now, out);
      }
    }
    if (c.http && !tls) {
      // Sending says whether the connection is up: EAGAIN while the handshake is under way.
      ssize_t n = send(c.fd, c.request.data(), c.request.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          return;
        }
        return finish(c, false, std::string("connect: ") + std::strerror(errno), now, out);
      }
      c.sent = static_cast<size_t>(n);
      c.phase = Conn::Phase::kSending;
    } else {
      if (!(events & (EPOLLOUT | EPOLLIN))) {
        return;
      }
      if (!tls) {
        return finish(c, true, "ok", now, out);  // TCP: the connection is the check
      }
      if (!startTls(c, now, out)) {
        return;
      }
      events = 0;
    }
  } else if (!tls && events != 0 &&
             !(events & (c.phase == Conn::Phase::kSending ? kWritable : kReadable))) {
    return;  // nothing for this phase (with TLS, reading may need to write and back)
  }
  if (c.phase == Conn::Phase::kHandshaking && !handshake(c, now, out)) {
    return;
  }
  if (c.phase == Conn::Phase::kSending) {
    if (!sendRequest(c, now, out)) {
      return;
    }
    if (!(events & kReadable) && !(tls && events != 0)) {
      return;  // just sent: the answer's arrival is the next edge (no recv that finds nothing)
    }
  }
  readAnswer(c, now, out);
}

// Sends what is left of the request; true once all of it is out.
bool ProbeEngine::sendRequest(Conn& c, int64_t now, Results* out) {
  while (c.sent < c.request.size()) {
    if (c.ssl != nullptr) {
      int n =
          SSL_write(c.ssl, c.request.data() + c.sent, static_cast<int>(c.request.size() - c.sent));
      if (n <= 0) {
        int e = SSL_get_error(c.ssl, n);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
          return false;
        }
        finish(c, false, tlsError(c.ssl), now, out);
        return false;
      }
      c.sent += static_cast<size_t>(n);
      continue;
    }
    ssize_t n = send(c.fd, c.request.data() + c.sent, c.request.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return false;
      }
      finish(c, false, std::string("send: ") + std::strerror(errno), now, out);
      return false;
    }
    c.sent += static_cast<size_t>(n);
  }
  c.phase = Conn::Phase::kReading;
  return true;
}

void ProbeEngine::readAnswer(Conn& c, int64_t now, Results* out) {
  char buf[8192];
  for (;;) {
    ssize_t n;
    if (c.ssl != nullptr) {
      int got = SSL_read(c.ssl, buf, sizeof buf);
      if (got <= 0) {
        int e = SSL_get_error(c.ssl, got);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          return;
        }
        if (e != SSL_ERROR_ZERO_RETURN && !(e == SSL_ERROR_SYSCALL && errno == 0)) {
          return finish(c, false, tlsError(c.ssl), now, out);
        }
        got = 0;  // the member closed the connection (with or without close_notify)
      }
      n = got;
    } else {
      n = recv(c.fd, buf, sizeof buf, 0);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      }
      return finish(c, false, std::string("recv: ") + std::strerror(errno), now, out);
    }
    c.gotBytes |= n > 0;
    c.received += static_cast<uint64_t>(n);
    ResponseParser::State st = c.parser.feed(buf, static_cast<size_t>(n));
    if (st == ResponseParser::State::kError) {
      return finish(c, false, "bad answer: " + c.parser.error(), now, out);
    }
    // With the headers in, read on only for an expression's body or to keep a small answer's
    // connection (hcreuse); every probe reads a bounded number of bytes.
    bool more = (c.target.readBody && !c.parser.bodyFull()) ||
                (c.target.reuse && c.received <= kReuseReadLimit);
    if (st == ResponseParser::State::kDone || (c.parser.headersDone() && !more)) {
      int status = c.parser.status();
      bool ok = c.target.expect.contains(status);
      return finish(c, ok, ok ? "ok" : "status " + std::to_string(status), now, out);
    }
    if (n == 0) {
      return;  // feed(0) settled it above; unreachable
    }
  }
}

// An event on a kept connection between checks: the member closed it (or sent something
// unasked), so it cannot carry the next check.
void ProbeEngine::idleEvent(Conn& c, uint32_t events) {
  if (!(events & kReadable)) {
    return;
  }
  if (!(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
    char b;
    ssize_t n = recv(c.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;  // a late report of the answer already read
    }
  }
  closeConn(c, true);
}

}  // namespace fleet::health
