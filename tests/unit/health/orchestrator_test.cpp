#include "shared/health/orchestrator.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "shared/common/clock.h"
#include "shared/common/random.h"

using namespace fleet::health;
using fleet::common::ManualClock;
using fleet::common::ScriptedRandom;

namespace {

constexpr int64_t kMs = 1000;
constexpr int64_t kSec = 1000000;
constexpr int64_t kWall = 1700000000 * kSec;

// "a, b, c": vectors compared as text, so a failure shows both.
template <typename T>
std::string list(const std::vector<T>& v) {
  std::string out;
  for (const T& x : v) {
    if (!out.empty()) {
      out += ", ";
    }
    if constexpr (std::is_arithmetic_v<T>) {
      out += std::to_string(x);
    } else {
      out += x;
    }
  }
  return out;
}

// Members that cannot be resolved fail at once: the checker reports them without any I/O.
CheckTarget unresolved(uint64_t key, int64_t intervalMicros) {
  CheckTarget t;
  t.key = key;
  t.unresolved = "cannot resolve member" + std::to_string(key);
  t.schedule.intervalMicros = intervalMicros;
  return t;
}

struct FakePort : CheckerPort {
  std::vector<CheckTarget> targets;
  std::vector<int64_t> refreshedAt;
  std::map<uint64_t, std::vector<std::string>> results;
  int takeovers = 0;
  bool childIsStopping = false;
  bool throwOnRefresh = false;

  std::vector<CheckTarget> members(int64_t now) override {
    if (throwOnRefresh) {
      throw std::runtime_error("bad balancer");
    }
    refreshedAt.push_back(now);
    return targets;
  }
  bool onResult(uint64_t key, ProbeResult& r) override {
    results[key].push_back(r.reason);
    return false;
  }
  void tookOver() override { ++takeovers; }
  bool childStopping() override { return childIsStopping; }
  int64_t wallNowMicros() override { return kWall; }
};

// The checker thread as a test drives it: sleeping moves the manual clock; a stop request can be
// scripted to arrive during the n-th sleep, and anything else to happen during every sleep.
struct Harness {
  CheckerControl control;
  LeaseOwner me{100, 1};
  FakePort port;
  ManualClock clock{50 * kSec};
  ScriptedRandom rng{{0}};
  std::vector<int64_t> sleeps;
  bool stop = false;
  size_t stopAtSleep = SIZE_MAX;
  std::function<void()> duringSleep;
  Orchestrator orch{
      control, me, port, clock, rng, [this](int64_t us) { sleepFor(us); }, [this] { return stop; }};

  void sleepFor(int64_t us) {
    sleeps.push_back(us);
    if (sleeps.size() >= stopAtSleep) {
      stop = true;  // a stop request cuts the sleep short
      return;
    }
    clock.advanceMicros(us);
    if (duringSleep) {
      duringSleep();
    }
  }
  Harness() {
    control.lease.store(0);
    control.probes.store(0);
    control.takeovers.store(0);
    control.heldSinceWall.store(0);
    control.members.store(0);
  }
  bool someoneElseHolds(LeaseOwner other) {
    return Lease::tryHold(control.lease, other, clock.nowMicros(), 800 * kMs);
  }
};

}  // namespace

class OrchestratorTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(OrchestratorTest);
  CPPUNIT_TEST(theFirstPassTakesTheLeaseAndReadsTheMembers);
  CPPUNIT_TEST(standsByWhileAnotherChildHoldsTheLease);
  CPPUNIT_TEST(takesOverAStaleLease);
  CPPUNIT_TEST(aLostLeaseDropsTheScheduleAndATakeoverRereads);
  CPPUNIT_TEST(aLeaseLostWhileIdleStartsNoChecks);
  CPPUNIT_TEST(membersAreReReadEverySecond);
  CPPUNIT_TEST(sleepsUntilTheNextCheckIsDueAndReportsIt);
  CPPUNIT_TEST(stopsWhenAskedAndGivesTheLeaseUp);
  CPPUNIT_TEST(stopsWhenTheChildIsStopping);
  CPPUNIT_TEST(aThrowingPassStillGivesTheLeaseUp);
  CPPUNIT_TEST_SUITE_END();

 public:
  void theFirstPassTakesTheLeaseAndReadsTheMembers() {
    Harness h;
    h.port.targets = {unresolved(1, 30 * kSec), unresolved(2, 30 * kSec)};
    CPPUNIT_ASSERT(h.orch.step());
    CPPUNIT_ASSERT(h.orch.holding());
    CPPUNIT_ASSERT(Lease::holder(h.control.lease.load()) == h.me);
    CPPUNIT_ASSERT_EQUAL(1, h.port.takeovers);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.control.takeovers.load());
    CPPUNIT_ASSERT_EQUAL(kWall, h.control.heldSinceWall.load());
    CPPUNIT_ASSERT_EQUAL(list(std::vector<int64_t>{50 * kSec}), list(h.port.refreshedAt));
    CPPUNIT_ASSERT_EQUAL(uint32_t(2), h.control.members.load());
    CPPUNIT_ASSERT_EQUAL(size_t(2), h.orch.checker().size());
    // Both first checks are due at once (scripted draw 0): no sleep, both start.
    CPPUNIT_ASSERT(h.sleeps.empty());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), h.control.probes.load());
    CPPUNIT_ASSERT_EQUAL(size_t(2), h.port.results.size());
  }
  void standsByWhileAnotherChildHoldsTheLease() {
    Harness h;
    LeaseOwner other{200, 1};
    CPPUNIT_ASSERT(h.someoneElseHolds(other));
    for (int i = 0; i < 5; ++i) {
      CPPUNIT_ASSERT(h.orch.step());
      CPPUNIT_ASSERT(h.someoneElseHolds(other));  // the holder renews meanwhile
    }
    CPPUNIT_ASSERT(!h.orch.holding());
    // Standby: a poll every 100 ms.
    CPPUNIT_ASSERT_EQUAL(list(std::vector<int64_t>(5, 100 * kMs)), list(h.sleeps));
    CPPUNIT_ASSERT(h.port.refreshedAt.empty());
    CPPUNIT_ASSERT_EQUAL(0, h.port.takeovers);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.control.takeovers.load());
  }
  void takesOverAStaleLease() {
    Harness h;
    CPPUNIT_ASSERT(h.someoneElseHolds(LeaseOwner{200, 1}));  // and then it hangs
    int polls = 0;
    while (!h.orch.holding() && polls < 100) {
      h.orch.step();
      ++polls;
    }
    // Stale after more than 800 ms without a heartbeat; polled every 100 ms: the 10th poll, 900 ms
    // on, takes it.
    CPPUNIT_ASSERT_EQUAL(10, polls);
    CPPUNIT_ASSERT_EQUAL(1, h.port.takeovers);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.control.takeovers.load());
    CPPUNIT_ASSERT_EQUAL(size_t(1), h.port.refreshedAt.size());
  }
  void aLostLeaseDropsTheScheduleAndATakeoverRereads() {
    Harness h;
    h.port.targets = {unresolved(1, 30 * kSec)};
    h.orch.step();
    CPPUNIT_ASSERT_EQUAL(size_t(1), h.orch.checker().size());
    LeaseOwner newer{300, 2};  // a graceful restart's child takes it at once
    CPPUNIT_ASSERT(h.someoneElseHolds(newer));
    h.orch.step();
    CPPUNIT_ASSERT(!h.orch.holding());
    CPPUNIT_ASSERT_EQUAL(size_t(0), h.orch.checker().size());
    CPPUNIT_ASSERT_EQUAL(int64_t(100 * kMs), h.sleeps.back());
    Lease::release(h.control.lease, newer);
    h.orch.step();
    CPPUNIT_ASSERT(h.orch.holding());
    CPPUNIT_ASSERT_EQUAL(2, h.port.takeovers);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), h.control.takeovers.load());
    CPPUNIT_ASSERT_EQUAL(size_t(2), h.port.refreshedAt.size());  // read afresh on takeover
    CPPUNIT_ASSERT_EQUAL(size_t(1), h.orch.checker().size());
  }
  void aLeaseLostWhileIdleStartsNoChecks() {
    Harness h;
    h.port.targets = {unresolved(1, 30 * kSec)};
    h.rng = ScriptedRandom({50 * kMs});  // the first check is due in 50 ms
    LeaseOwner newer{300, 2};
    h.duringSleep = [&] { h.someoneElseHolds(newer); };  // taken while this child sleeps
    h.orch.step();
    CPPUNIT_ASSERT_EQUAL(list(std::vector<int64_t>{40 * kMs}), list(h.sleeps));
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.control.probes.load());
    CPPUNIT_ASSERT(h.port.results.empty());
    h.orch.step();
    CPPUNIT_ASSERT(!h.orch.holding());
  }
  void membersAreReReadEverySecond() {
    Harness h;  // no members: each pass sleeps the longest idle time, 100 ms
    for (int i = 0; i < 25; ++i) {
      h.orch.step();
    }
    std::vector<int64_t> want = {50 * kSec, 51 * kSec, 52 * kSec};
    CPPUNIT_ASSERT_EQUAL(list(want), list(h.port.refreshedAt));
    CPPUNIT_ASSERT_EQUAL(list(std::vector<int64_t>(25, 100 * kMs)), list(h.sleeps));
    // The heartbeat was renewed on every pass: nobody else could take over.
    CPPUNIT_ASSERT(!h.someoneElseHolds(LeaseOwner{200, 1}));
    CPPUNIT_ASSERT_EQUAL(1, h.port.takeovers);
  }
  void sleepsUntilTheNextCheckIsDueAndReportsIt() {
    Harness h;
    h.rng = ScriptedRandom({50 * kMs});  // the first check is due in 50 ms
    h.port.targets = {unresolved(7, 30 * kSec)};
    h.orch.step();
    // Due in 50 ms, started up to 10 ms early with the batch: 40 ms of sleep, then the check.
    CPPUNIT_ASSERT_EQUAL(list(std::vector<int64_t>{40 * kMs}), list(h.sleeps));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.control.probes.load());
    CPPUNIT_ASSERT_EQUAL(list(std::vector<std::string>{"cannot resolve member7"}),
                         list(h.port.results[7]));
    h.orch.step();  // next check in 30 s: sleep the longest idle time and check nothing
    CPPUNIT_ASSERT_EQUAL(int64_t(100 * kMs), h.sleeps.back());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.control.probes.load());
  }
  void stopsWhenAskedAndGivesTheLeaseUp() {
    Harness h;
    h.stopAtSleep = 3;  // the request arrives during the third sleep
    h.orch.run();
    CPPUNIT_ASSERT_EQUAL(size_t(3), h.sleeps.size());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.control.lease.load());
    CPPUNIT_ASSERT(h.someoneElseHolds(LeaseOwner{200, 1}));  // at once, not after 800 ms
  }
  void stopsWhenTheChildIsStopping() {
    Harness h;
    h.orch.step();
    h.port.childIsStopping = true;  // graceful restart: this child is on its way out
    CPPUNIT_ASSERT(!h.orch.step());
    h.orch.run();
    CPPUNIT_ASSERT_EQUAL(size_t(1), h.port.refreshedAt.size());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.control.lease.load());
  }
  void aThrowingPassStillGivesTheLeaseUp() {
    Harness h;
    h.port.throwOnRefresh = true;
    CPPUNIT_ASSERT_THROW(h.orch.run(), std::runtime_error);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.control.lease.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(OrchestratorTest, "health");
