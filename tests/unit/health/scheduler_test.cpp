#include "shared/health/scheduler.h"

#include <cppunit/extensions/HelperMacros.h>

#include "shared/common/clock.h"

using namespace fleet::health;
using fleet::common::FastRandom;
using fleet::common::ManualClock;
using fleet::common::ScriptedRandom;

namespace {
constexpr int64_t kSec = 1000000;
}

class SchedulerTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SchedulerTest);
  CPPUNIT_TEST(firstChecksAreSpreadOverTheInterval);
  CPPUNIT_TEST(runningMembersAreNotDueAgain);
  CPPUNIT_TEST(nextCheckAfterTheInterval);
  CPPUNIT_TEST(fasterWhileChanging);
  CPPUNIT_TEST(jitterStaysWithinItsPercent);
  CPPUNIT_TEST(nextDueIsTheEarliestIdleMember);
  CPPUNIT_TEST(membersComeAndGoWhileProbesRun);
  CPPUNIT_TEST_SUITE_END();

 public:
  void firstChecksAreSpreadOverTheInterval() {
    Scheduler s;
    FastRandom rng(3);
    ScheduleConfig cfg;
    cfg.intervalMicros = kSec;
    for (uint64_t i = 0; i < 1000; ++i) {
      s.add(i + 1, cfg, 0, rng);
    }
    // A tenth of the interval later about a tenth of the members are due (tolerance 4 sigma).
    size_t due = s.takeDue(kSec / 10).size();
    CPPUNIT_ASSERT_MESSAGE(std::to_string(due), due > 60 && due < 140);
    CPPUNIT_ASSERT_EQUAL(size_t(1000 - due), s.takeDue(kSec).size());
  }
  void runningMembersAreNotDueAgain() {
    Scheduler s;
    ScriptedRandom rng({0});
    const uint64_t id = 42;
    s.add(id, ScheduleConfig{}, 5, rng);
    CPPUNIT_ASSERT_EQUAL(size_t(1), s.takeDue(5).size());
    CPPUNIT_ASSERT(s.takeDue(100 * kSec).empty());  // its probe has not finished
    s.finished(id, 100 * kSec, false, rng);
    CPPUNIT_ASSERT(s.takeDue(100 * kSec).empty());
  }
  void nextCheckAfterTheInterval() {
    Scheduler s;
    ScriptedRandom rng({0});
    ScheduleConfig cfg;
    cfg.intervalMicros = 5 * kSec;
    const uint64_t id = 7;
    s.add(id, cfg, 0, rng);
    s.takeDue(0);
    s.finished(id, kSec, false, rng);  // a probe that took 1 s
    CPPUNIT_ASSERT(s.takeDue(6 * kSec - 1).empty());
    CPPUNIT_ASSERT_EQUAL(size_t(1), s.takeDue(6 * kSec).size());
  }
  void fasterWhileChanging() {
    ScheduleConfig cfg;
    cfg.intervalMicros = 30 * kSec;
    cfg.changingIntervalMicros = 2 * kSec;
    ScriptedRandom rng({0});
    CPPUNIT_ASSERT_EQUAL(2 * kSec, checkDelay(cfg, true, rng));
    CPPUNIT_ASSERT_EQUAL(30 * kSec, checkDelay(cfg, false, rng));
    cfg.changingIntervalMicros = 0;
    CPPUNIT_ASSERT_EQUAL(30 * kSec, checkDelay(cfg, true, rng));
  }
  void jitterStaysWithinItsPercent() {
    ScheduleConfig cfg;
    cfg.intervalMicros = 10 * kSec;
    cfg.jitterPercent = 20;
    ScriptedRandom low({0}), high({4 * kSec});
    CPPUNIT_ASSERT_EQUAL(8 * kSec, checkDelay(cfg, false, low));    // -20 %
    CPPUNIT_ASSERT_EQUAL(12 * kSec, checkDelay(cfg, false, high));  // +20 %
    FastRandom rng(9);
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 10000; ++i) {
      int64_t d = checkDelay(cfg, false, rng);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    CPPUNIT_ASSERT(lo >= 8 * kSec && lo < 8 * kSec + kSec / 10);
    CPPUNIT_ASSERT(hi <= 12 * kSec && hi > 12 * kSec - kSec / 10);
  }
  void nextDueIsTheEarliestIdleMember() {
    Scheduler s;
    ScriptedRandom rng({7, 3});
    s.add(1, ScheduleConfig{}, 100, rng);  // due at 107
    s.add(2, ScheduleConfig{}, 100, rng);  // due at 103
    CPPUNIT_ASSERT_EQUAL(int64_t(103), s.nextDue());
    s.takeDue(103);
    CPPUNIT_ASSERT_EQUAL(int64_t(107), s.nextDue());
    s.takeDue(107);
    CPPUNIT_ASSERT_EQUAL(INT64_MAX, s.nextDue());
  }
  void membersComeAndGoWhileProbesRun() {
    Scheduler s;
    ScriptedRandom rng({0});
    ScheduleConfig cfg;
    cfg.intervalMicros = kSec;
    s.add(10, cfg, 0, rng);
    s.add(11, cfg, 0, rng);
    CPPUNIT_ASSERT_EQUAL(size_t(2), s.takeDue(0).size());
    s.remove(10);                      // removed from its balancer while its probe runs
    s.finished(10, kSec, false, rng);  // the late result is ignored
    CPPUNIT_ASSERT(!s.contains(10));
    CPPUNIT_ASSERT_EQUAL(size_t(1), s.size());
    // Re-adding a known key keeps its timing and only takes the new settings.
    s.finished(11, 0, false, rng);
    cfg.intervalMicros = 5 * kSec;
    s.add(11, cfg, 0, rng);
    std::vector<uint64_t> due = s.takeDue(kSec);
    CPPUNIT_ASSERT_EQUAL(size_t(1), due.size());
    CPPUNIT_ASSERT_EQUAL(uint64_t(11), due[0]);
    s.finished(11, kSec, false, rng);
    CPPUNIT_ASSERT(s.takeDue(6 * kSec - 1).empty());
    CPPUNIT_ASSERT_EQUAL(size_t(1), s.takeDue(6 * kSec).size());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(SchedulerTest, "health");
