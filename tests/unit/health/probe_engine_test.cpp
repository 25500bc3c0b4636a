#include "shared/health/probe_engine.h"

#include <cppunit/extensions/HelperMacros.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <string>

using namespace fleet::health;

namespace {

constexpr int64_t kSec = 1000000;

// A loopback listener the test drives by hand: it accepts and answers only when told to.
struct Listener {
  int fd = -1;
  int port = 0;
  explicit Listener(int backlog = 16) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, backlog);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { close(fd); }
  // Accepts one connection, reads its request head, writes `answer` (if any); returns the request.
  std::string serveOnce(const std::string& answer, int* client) {
    int c = -1;
    for (int i = 0; i < 2000 && c < 0; ++i) {
      c = accept(fd, nullptr, nullptr);
      if (c < 0) {
        usleep(1000);  // waiting for the engine's connect, not for time to pass
      }
    }
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        break;
      }
      req.append(buf, static_cast<size_t>(n));
    }
    if (!answer.empty()) {
      send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    }
    *client = c;
    return req;
  }
};

ProbeTarget target(int port, const char* method, const char* uri = "/health") {
  ProbeTarget t;
  std::string why;
  resolveTarget("127.0.0.1", port, &t, &why);
  t.spec = parseProbeMethod(method).value();
  t.spec.uri = uri;
  t.spec.host = "127.0.0.1:" + std::to_string(port);
  t.timeoutMicros = 2 * kSec;
  return t;
}

// Steps until one result comes out (I/O waits are real; `now` stays fixed).
ProbeResult runOne(ProbeEngine& e, int64_t now) {
  for (int i = 0; i < 400; ++i) {
    auto out = e.step(now, 10);
    if (!out.empty()) {
      return out[0].second;
    }
  }
  ProbeResult none;
  none.reason = "no result";
  return none;
}

// One HTTP check against a listener that answers `answer`; returns the result (and the request).
ProbeResult checkAnsweredWith(const char* method, const std::string& answer, int64_t start,
                              int64_t end, std::string* request = nullptr) {
  Listener l;
  ProbeEngine e;
  e.start(3, target(l.port, method), start);
  e.step(start, 0);
  int c;
  std::string req = l.serveOnce(answer, &c);
  if (request != nullptr) {
    *request = req;
  }
  ProbeResult r = runOne(e, end);
  close(c);
  return r;
}

}  // namespace

class ProbeEngineTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ProbeEngineTest);
  CPPUNIT_TEST(tcpPassesWhenSomethingListens);
  CPPUNIT_TEST(tcpFailsWhenRefused);
  CPPUNIT_TEST(httpPassesOnExpectedStatusAndKeepsTheBody);
  CPPUNIT_TEST(httpFailsOnOtherStatus);
  CPPUNIT_TEST(silentMemberFailsAtItsDeadline);
  CPPUNIT_TEST(garbageAnswerFails);
  CPPUNIT_TEST(manyProbesAtOnce);
  CPPUNIT_TEST(unresolvableHostSaysSo);
  CPPUNIT_TEST(reuseKeepsTheConnectionForTheNextCheck);
  CPPUNIT_TEST(reuseReconnectsWhenTheMemberClosed);
  CPPUNIT_TEST(noReuseWhenTheMemberSaysClose);
  CPPUNIT_TEST(anEndlessBodyIsNotReadWithoutAnExpression);
  CPPUNIT_TEST(anExpressionReadsAtMostMaxBody);
  CPPUNIT_TEST(aKeptConnectionClosedByTheMemberIsNoticedBetweenChecks);
  CPPUNIT_TEST(anAnswerFollowedByTheMembersCloseIsNotKept);
  CPPUNIT_TEST(newSettingsDropTheKeptConnection);
  CPPUNIT_TEST(anUpdateDuringACheckIsForTheNextOne);
  CPPUNIT_TEST(unknownAndUnreachableMembers);
  CPPUNIT_TEST(forgetEndsARunningCheckUnreported);
  CPPUNIT_TEST_SUITE_END();

  // A member that answers with a body it never finishes (1 GB announced, 100 bytes sent, the
  // connection held open): the check must end on what it needs, not wait for the rest.
  static ProbeResult checkEndless(bool readBody, size_t maxBody) {
    Listener l;
    ProbeEngine e;
    ProbeTarget t = target(l.port, "GET11");
    t.readBody = readBody;
    t.maxBody = maxBody;
    e.start(5, t, 0);
    e.step(0, 0);
    int c;
    l.serveOnce("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n" + std::string(100, 'b'),
                &c);
    ProbeResult r = runOne(e, 0);  // the clock stands still: no deadline can end it
    close(c);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.active());
    return r;
  }

  // Reads one request head from an accepted connection and answers it.
  static std::string answerOn(int c, const std::string& answer) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        break;
      }
      req.append(buf, static_cast<size_t>(n));
    }
    send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    return req;
  }

 public:
  void anEndlessBodyIsNotReadWithoutAnExpression() {
    ProbeResult r = checkEndless(false, 8192);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(200, r.status);
  }
  void anExpressionReadsAtMostMaxBody() {
    ProbeResult r = checkEndless(true, 16);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(std::string(16, 'b'), r.body);
  }
  void tcpPassesWhenSomethingListens() {
    Listener l;
    ProbeEngine e;
    CPPUNIT_ASSERT(e.ok());
    e.start(7, target(l.port, "TCP"), 0);
    ProbeResult r = runOne(e, 0);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.active());
  }
  void tcpFailsWhenRefused() {
    int port;
    {
      Listener l;
      port = l.port;
    }  // closed again: nothing listens there now
    ProbeEngine e;
    e.start(1, target(port, "TCP"), 0);
    ProbeResult r = runOne(e, 0);
    CPPUNIT_ASSERT(!r.passed);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.reason.find("refused") != std::string::npos);
  }
  void httpPassesOnExpectedStatusAndKeepsTheBody() {
    std::string req;
    ProbeResult r = checkAnsweredWith(
        "GET11", "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nhealthy", 100, 100 + 1500, &req);
    CPPUNIT_ASSERT(req.rfind("GET /health HTTP/1.1\r\nHost: 127.0.0.1:", 0) == 0);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("healthy"), r.body);
    CPPUNIT_ASSERT_EQUAL(int64_t(1500), r.latencyMicros);
  }
  void httpFailsOnOtherStatus() {
    ProbeResult r = checkAnsweredWith(
        "HEAD", "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 20\r\n\r\n", 0, 0);
    CPPUNIT_ASSERT(!r.passed);
    CPPUNIT_ASSERT_EQUAL(std::string("status 503"), r.reason);
  }
  void silentMemberFailsAtItsDeadline() {
    Listener l;  // accepts (through the backlog) but never answers
    ProbeEngine e;
    e.start(9, target(l.port, "GET"), 0);
    for (int i = 0; i < 20; ++i) {
      CPPUNIT_ASSERT(e.step(2 * kSec - 1, 5).empty());
    }
    auto out = e.step(2 * kSec, 0);  // its deadline, in the caller's time
    CPPUNIT_ASSERT_EQUAL(size_t(1), out.size());
    CPPUNIT_ASSERT(!out[0].second.passed);
    CPPUNIT_ASSERT_EQUAL(std::string("timeout after 2s waiting for the answer"),
                         out[0].second.reason);
  }
  void garbageAnswerFails() {
    ProbeResult r = checkAnsweredWith("GET", "SSH-2.0-OpenSSH_9.2\r\n\r\n", 0, 0);
    CPPUNIT_ASSERT(!r.passed);
    CPPUNIT_ASSERT_MESSAGE(r.reason,
                           r.reason.rfind("bad answer: not an HTTP/1.x status line", 0) == 0);
  }
  void manyProbesAtOnce() {
    Listener l(1024);  // never accepts: the backlog must hold every connection
    ProbeEngine e;
    for (size_t i = 0; i < 200; ++i) {
      e.start(i, target(l.port, "TCP"), 0);
    }
    std::vector<bool> seen(200, false);
    size_t done = 0;
    for (int i = 0; i < 400 && done < 200; ++i) {
      for (auto& [id, r] : e.step(0, 10)) {
        CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
        CPPUNIT_ASSERT(!seen[id]);
        seen[id] = true;
        done++;
      }
    }
    CPPUNIT_ASSERT_EQUAL(size_t(200), done);
  }
  void unresolvableHostSaysSo() {
    ProbeTarget t;
    std::string why;
    CPPUNIT_ASSERT(!resolveTarget("no-such-host.invalid", 80, &t, &why));
    CPPUNIT_ASSERT(why.find("cannot resolve no-such-host.invalid") == 0);
  }
  void reuseKeepsTheConnectionForTheNextCheck() {
    Listener l;
    ProbeEngine e;
    ProbeTarget t = target(l.port, "GET11");
    t.reuse = true;
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    e.start(4, t, 0);
    e.step(0, 0);
    int c;
    std::string first = l.serveOnce(ok, &c);
    CPPUNIT_ASSERT(first.find("Connection: keep-alive\r\n") != std::string::npos);
    CPPUNIT_ASSERT(runOne(e, 10).passed);
    CPPUNIT_ASSERT_EQUAL(size_t(1), e.idle());
    // The second check goes over the same connection: no new connection reaches the listener.
    e.start(4, t, 20);
    e.step(20, 0);
    std::string second = answerOn(c, ok);
    CPPUNIT_ASSERT(second.rfind("GET /health HTTP/1.1\r\n", 0) == 0);
    ProbeResult r = runOne(e, 30);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(int64_t(10), r.latencyMicros);
    CPPUNIT_ASSERT(accept(l.fd, nullptr, nullptr) < 0);
    e.forget(4);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.idle());
    close(c);
  }
  void reuseReconnectsWhenTheMemberClosed() {
    Listener l;
    ProbeEngine e;
    ProbeTarget t = target(l.port, "GET");
    t.reuse = true;
    const std::string ok = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n";
    e.start(5, t, 0);
    e.step(0, 0);
    int c;
    l.serveOnce(ok, &c);
    CPPUNIT_ASSERT(runOne(e, 0).passed);
    CPPUNIT_ASSERT_EQUAL(size_t(1), e.idle());
    close(c);  // the member drops the idle connection
    e.start(5, t, 100);
    e.step(100, 0);
    int c2;
    l.serveOnce(ok, &c2);  // a fresh connection carries the check
    ProbeResult r = runOne(e, 100);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    close(c2);
  }
  void noReuseWhenTheMemberSaysClose() {
    Listener l;
    ProbeEngine e;
    ProbeTarget t = target(l.port, "GET11");
    t.reuse = true;
    e.start(6, t, 0);
    e.step(0, 0);
    int c;
    l.serveOnce("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", &c);
    CPPUNIT_ASSERT(runOne(e, 0).passed);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.idle());
    close(c);
  }
  void aKeptConnectionClosedByTheMemberIsNoticedBetweenChecks() {
    Listener l;
    ProbeEngine e;
    ProbeTarget t = target(l.port, "GET11");
    t.reuse = true;
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    e.start(4, t, 0);
    e.step(0, 0);
    int c;
    l.serveOnce(ok, &c);
    CPPUNIT_ASSERT(runOne(e, 10).passed);
    CPPUNIT_ASSERT_EQUAL(size_t(1), e.idle());
    close(c);  // the member's keep-alive timeout
    for (int i = 0; i < 2000 && e.idle() > 0; ++i) {
      CPPUNIT_ASSERT(e.step(20, 0).empty());  // no check runs: nothing is waited for
      usleep(500);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.idle());
    CPPUNIT_ASSERT(e.start(4, 30));  // straight to a new connection, no failed attempt first
    e.step(30, 0);
    int c2;
    l.serveOnce(ok, &c2);
    ProbeResult r = runOne(e, 40);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), e.counters().connects);
    close(c2);
  }
  void anAnswerFollowedByTheMembersCloseIsNotKept() {
    Listener l;
    ProbeEngine e;
    ProbeTarget t = target(l.port, "GET11");
    t.reuse = true;
    e.start(4, t, 0);
    e.step(0, 0);
    int c;
    l.serveOnce("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", &c);
    close(c);  // no "Connection: close", but closed right after the answer
    usleep(10000);
    ProbeResult r = runOne(e, 0);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.idle());
  }
  void newSettingsDropTheKeptConnection() {
    Listener a, b;
    ProbeEngine e;
    ProbeTarget ta = target(a.port, "GET11");
    ta.reuse = true;
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    e.start(1, ta, 0);
    e.step(0, 0);
    int c;
    a.serveOnce(ok, &c);
    CPPUNIT_ASSERT(runOne(e, 0).passed);
    CPPUNIT_ASSERT_EQUAL(size_t(1), e.idle());
    e.update(1, ta);  // the same settings again (every refresh): the connection stays
    CPPUNIT_ASSERT_EQUAL(size_t(1), e.idle());
    ProbeTarget tb = target(b.port, "GET11");  // the member's name resolves elsewhere now
    tb.reuse = true;
    e.update(1, tb);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.idle());
    CPPUNIT_ASSERT(e.start(1, 10));
    e.step(10, 0);
    int c2;
    std::string req = b.serveOnce(ok, &c2);
    CPPUNIT_ASSERT(req.find("Host: 127.0.0.1:" + std::to_string(b.port)) != std::string::npos);
    CPPUNIT_ASSERT(runOne(e, 10).passed);
    close(c);
    close(c2);
  }
  void anUpdateDuringACheckIsForTheNextOne() {
    Listener l;
    ProbeEngine e;
    ProbeTarget before = target(l.port, "GET11", "/old");
    before.reuse = true;
    ProbeTarget after = target(l.port, "GET11", "/new");
    after.reuse = true;
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    e.start(2, before, 0);
    e.step(0, 0);
    e.update(2, after);  // balancer-manager edits hcuri while the check runs
    int c;
    CPPUNIT_ASSERT(l.serveOnce(ok, &c).rfind("GET /old ", 0) == 0);
    CPPUNIT_ASSERT(runOne(e, 0).passed);
    e.start(2, 10);
    e.step(10, 0);
    int c2;  // a new connection: nothing kept for the old settings is used
    CPPUNIT_ASSERT(l.serveOnce(ok, &c2).rfind("GET /new ", 0) == 0);
    CPPUNIT_ASSERT(runOne(e, 10).passed);
    close(c);
    close(c2);
  }
  void unknownAndUnreachableMembers() {
    ProbeEngine e;
    CPPUNIT_ASSERT(!e.start(8, 0));
    e.update(8, target(1, "GET"), "cannot resolve app9.internal: Name or service not known");
    CPPUNIT_ASSERT(e.start(8, 5));
    auto out = e.step(5, 0);
    CPPUNIT_ASSERT_EQUAL(size_t(1), out.size());
    CPPUNIT_ASSERT(!out[0].second.passed);
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve app9.internal: Name or service not known"),
                         out[0].second.reason);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.active());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), e.counters().connects);
    e.start(8, 6);
    e.forget(8);  // its failure, not reported yet, goes with it
    CPPUNIT_ASSERT(e.step(6, 0).empty());
    CPPUNIT_ASSERT(!e.start(8, 7));
  }
  void forgetEndsARunningCheckUnreported() {
    Listener l;  // never answers
    ProbeEngine e;
    e.start(3, target(l.port, "GET"), 0);
    e.step(0, 0);
    CPPUNIT_ASSERT_EQUAL(size_t(1), e.active());
    e.forget(3);
    CPPUNIT_ASSERT_EQUAL(size_t(0), e.active());
    for (int i = 0; i < 5; ++i) {
      CPPUNIT_ASSERT(e.step(10 * kSec, 1).empty());  // past its deadline: still nothing
    }
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ProbeEngineTest, "health");
