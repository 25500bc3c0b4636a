#include "shared/health/checker.h"

#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>
#include <unistd.h>

#include <map>
#include <string>

#include "shared/common/clock.h"

using namespace fleet::health;
using fleet::common::ManualClock;
using fleet::common::ScriptedRandom;

namespace {

constexpr int64_t kSec = 1000000;

// A loopback port that accepts connections into its backlog and never answers.
struct Port {
  int fd = -1;
  int port = 0;
  explicit Port(bool listening) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    if (listening) {
      listen(fd, 64);
    } else {
      close(fd);  // nobody listens there: connections are refused
      fd = -1;
    }
  }
  ~Port() {
    if (fd >= 0) {
      close(fd);
    }
  }
};

CheckTarget member(uint64_t key, int port, const char* method = "TCP") {
  CheckTarget t;
  t.key = key;
  std::string why;
  resolveTarget("127.0.0.1", port, &t.probe, &why);
  t.probe.spec = parseProbeMethod(method).value();
  t.probe.timeoutMicros = 2 * kSec;
  t.schedule.intervalMicros = kSec;
  return t;
}

// Ticks until `want` results arrived (waiting for loopback I/O only; the clock stands still).
std::map<uint64_t, ProbeResult> collect(Checker& c, ManualClock& clock, size_t want,
                                        bool changing = false) {
  std::map<uint64_t, ProbeResult> got;
  ScriptedRandom rng({0});
  for (int i = 0; i < 500 && got.size() < want; ++i) {
    c.tick(clock, 10, rng, [&](uint64_t key, ProbeResult& r) {
      got[key] = r;
      return changing;
    });
  }
  return got;
}

}  // namespace

class CheckerTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CheckerTest);
  CPPUNIT_TEST(checksRunOnScheduleAndReportTheirResults);
  CPPUNIT_TEST(anUnresolvedMemberFailsAtOnceAndOthersGoOn);
  CPPUNIT_TEST(changingMembersAreCheckedAtTheFasterInterval);
  CPPUNIT_TEST(aMemberThatLeftIsNotReported);
  CPPUNIT_TEST(timeoutsUseTheClockAfterTheWait);
  CPPUNIT_TEST(checksDueWithinTheBatchStartTogether);
  CPPUNIT_TEST_SUITE_END();

 public:
  void checksRunOnScheduleAndReportTheirResults() {
    Port up(true), down(false);
    ManualClock clock(10 * kSec);
    ScriptedRandom rng({0});
    Checker c;
    c.setMembers({member(1, up.port), member(2, down.port)}, clock.nowMicros(), rng);
    CPPUNIT_ASSERT_EQUAL(size_t(2), c.size());
    std::map<uint64_t, ProbeResult> got = collect(c, clock, 2);
    CPPUNIT_ASSERT_EQUAL(size_t(2), got.size());
    CPPUNIT_ASSERT(got[1].passed);
    CPPUNIT_ASSERT(!got[2].passed);
    CPPUNIT_ASSERT_MESSAGE(got[2].reason, got[2].reason.find("refused") != std::string::npos);
    // Nothing more until the interval has passed.
    CPPUNIT_ASSERT_EQUAL(kSec, c.untilNextDue(clock.nowMicros()));
    clock.advanceMicros(kSec / 2);
    CPPUNIT_ASSERT_EQUAL(size_t(0),
                         c.tick(clock, 0, rng, [](uint64_t, ProbeResult&) { return false; }));
    clock.advanceMicros(kSec / 2);
    CPPUNIT_ASSERT_EQUAL(size_t(2), collect(c, clock, 2).size());
  }
  void anUnresolvedMemberFailsAtOnceAndOthersGoOn() {
    Port up(true);
    ManualClock clock(0);
    ScriptedRandom rng({0});
    CheckTarget bad = member(5, up.port);
    bad.unresolved = "cannot resolve no-such-host.invalid";
    Checker c;
    c.setMembers({bad, member(6, up.port)}, 0, rng);
    std::map<uint64_t, ProbeResult> got = collect(c, clock, 2);
    CPPUNIT_ASSERT(!got[5].passed);
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve no-such-host.invalid"), got[5].reason);
    CPPUNIT_ASSERT(got[6].passed);
  }
  void changingMembersAreCheckedAtTheFasterInterval() {
    Port down(false);
    ManualClock clock(0);
    ScriptedRandom rng({0});
    CheckTarget t = member(9, down.port);
    t.schedule.intervalMicros = 30 * kSec;
    t.schedule.changingIntervalMicros = 2 * kSec;
    Checker c;
    c.setMembers({t}, 0, rng);
    collect(c, clock, 1, /*changing=*/true);
    CPPUNIT_ASSERT_EQUAL(2 * kSec, c.untilNextDue(0));
    clock.advanceMicros(2 * kSec);
    collect(c, clock, 1, /*changing=*/false);
    CPPUNIT_ASSERT_EQUAL(30 * kSec, c.untilNextDue(2 * kSec));
  }
  void aMemberThatLeftIsNotReported() {
    Port silent(true);  // accepts, never answers: the HTTP check stays running
    ManualClock clock(0);
    ScriptedRandom rng({0});
    Checker c;
    c.setMembers({member(3, silent.port, "GET")}, 0, rng);
    c.tick(clock, 0, rng, [](uint64_t, ProbeResult&) { return false; });
    CPPUNIT_ASSERT_EQUAL(size_t(1), c.running());
    c.setMembers({}, 0, rng);
    clock.advanceMicros(3 * kSec);  // past its timeout: it ends, and nobody hears about it
    int reported = 0;
    c.tick(clock, 0, rng, [&](uint64_t, ProbeResult&) {
      ++reported;
      return false;
    });
    CPPUNIT_ASSERT_EQUAL(0, reported);
    CPPUNIT_ASSERT_EQUAL(size_t(0), c.running());
    CPPUNIT_ASSERT_EQUAL(size_t(0), c.size());
  }
  void timeoutsUseTheClockAfterTheWait() {
    Port silent(true);
    ManualClock clock(0);
    ScriptedRandom rng({0});
    Checker c;
    c.setMembers({member(4, silent.port, "GET")}, 0, rng);
    c.tick(clock, 0, rng, [](uint64_t, ProbeResult&) { return false; });
    clock.advanceMicros(2 * kSec);
    std::map<uint64_t, ProbeResult> got = collect(c, clock, 1);
    CPPUNIT_ASSERT(!got[4].passed);
    CPPUNIT_ASSERT_MESSAGE(got[4].reason, got[4].reason.find("timeout after 2s") == 0);
    CPPUNIT_ASSERT_EQUAL(2 * kSec, got[4].latencyMicros);
  }
  void checksDueWithinTheBatchStartTogether() {
    Port up(true);
    ManualClock clock(0);
    ScriptedRandom rng({5000, 9000, 30000});  // first checks due at 5 ms, 9 ms and 30 ms
    Checker c(10000);
    c.setMembers({member(1, up.port), member(2, up.port), member(3, up.port)}, 0, rng);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), c.untilNextDue(0));  // 5 ms is within the batch
    CPPUNIT_ASSERT_EQUAL(size_t(2),
                         c.tick(clock, 0, rng, [](uint64_t, ProbeResult&) { return false; }));
    CPPUNIT_ASSERT_EQUAL(int64_t(20000), c.untilNextDue(0));  // 30 ms less the batch
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(CheckerTest, "health");
