#include "shared/lb/member_health.h"

#include <cppunit/extensions/HelperMacros.h>

#include "shared/common/clock.h"

using namespace fleet::lb;
using fleet::common::ManualClock;

namespace {
constexpr int64_t kSec = 1000000;

MemberSlot* freshSlot(std::vector<MemberSlot>& mem) {
  MemberTable t = MemberTable::format(mem.data(), mem.size() * sizeof(MemberSlot));
  return t.findOrClaim(7);
}
}  // namespace

class MemberHealthTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MemberHealthTest);
  CPPUNIT_TEST(ejectsAfterConsecutiveFailuresOnly);
  CPPUNIT_TEST(ejectionGrowsAndIsCapped);
  CPPUNIT_TEST(returnsAfterTheEjectionTime);
  CPPUNIT_TEST(healthyTimeForgivesOneEjection);
  CPPUNIT_TEST(maxPercentCapsEjections);
  CPPUNIT_TEST(zeroConsecutiveNeverEjects);
  CPPUNIT_TEST(slowStartRampsFromFloorToFull);
  CPPUNIT_TEST(trackUsableMarksTheReturn);
  CPPUNIT_TEST(panicBelowThreshold);
  CPPUNIT_TEST(mayEjectOnlyAtTheEndOfAStreak);
  CPPUNIT_TEST(plainSuccessDoesNotMatter);
  CPPUNIT_TEST(membersOwnRampWinsOverTheBalancers);
  CPPUNIT_TEST(slowStartPercentOnlyWhileRamping);
  CPPUNIT_TEST(resetEjectionForgivesEverything);
  CPPUNIT_TEST_SUITE_END();

  std::vector<MemberSlot> mem = std::vector<MemberSlot>(16);
  HealthConfig cfg;

 public:
  void ejectsAfterConsecutiveFailuresOnly() {
    MemberSlot* s = freshSlot(mem);
    ManualClock clock(100 * kSec);
    for (int i = 0; i < 4; ++i) {
      CPPUNIT_ASSERT(!recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10));
    }
    CPPUNIT_ASSERT(!recordOutcome(*s, false, clock.nowMicros(), cfg, 0, 10));  // streak broken
    for (int i = 0; i < 4; ++i) {
      CPPUNIT_ASSERT(!recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10));
    }
    CPPUNIT_ASSERT(recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10));  // 5th in a row
    CPPUNIT_ASSERT(isEjected(*s, clock.nowMicros()));
    CPPUNIT_ASSERT_EQUAL(uint64_t(9), s->failures.load());
  }
  void ejectionGrowsAndIsCapped() {
    CPPUNIT_ASSERT_EQUAL(30 * kSec, ejectionMicros(1, cfg));
    CPPUNIT_ASSERT_EQUAL(60 * kSec, ejectionMicros(2, cfg));
    CPPUNIT_ASSERT_EQUAL(120 * kSec, ejectionMicros(3, cfg));
    CPPUNIT_ASSERT_EQUAL(240 * kSec, ejectionMicros(4, cfg));
    CPPUNIT_ASSERT_EQUAL(300 * kSec, ejectionMicros(5, cfg));
    CPPUNIT_ASSERT_EQUAL(300 * kSec, ejectionMicros(40, cfg));
  }
  void returnsAfterTheEjectionTime() {
    MemberSlot* s = freshSlot(mem);
    ManualClock clock(100 * kSec);
    for (int i = 0; i < 5; ++i) {
      recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10);
    }
    clock.advanceMicros(30 * kSec - 1);
    CPPUNIT_ASSERT(isEjected(*s, clock.nowMicros()));
    clock.advanceMicros(1);
    CPPUNIT_ASSERT(!isEjected(*s, clock.nowMicros()));
    // Failing again at once: the second ejection lasts twice as long.
    for (int i = 0; i < 5; ++i) {
      recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10);
    }
    clock.advanceMicros(60 * kSec - 1);
    CPPUNIT_ASSERT(isEjected(*s, clock.nowMicros()));
    clock.advanceMicros(1);
    CPPUNIT_ASSERT(!isEjected(*s, clock.nowMicros()));
  }
  void healthyTimeForgivesOneEjection() {
    MemberSlot* s = freshSlot(mem);
    ManualClock clock(100 * kSec);
    for (int i = 0; i < 5; ++i) {
      recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10);
    }
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), s->ejections.load());
    clock.advanceMicros(30 * kSec + 30 * kSec);  // ejection over, then a healthy base period
    recordOutcome(*s, false, clock.nowMicros(), cfg, 0, 10);
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), s->ejections.load());
    for (int i = 0; i < 5; ++i) {
      recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10);
    }
    clock.advanceMicros(30 * kSec);
    CPPUNIT_ASSERT(!isEjected(*s, clock.nowMicros()));  // back to the base time, not doubled
  }
  void maxPercentCapsEjections() {
    MemberSlot* s = freshSlot(mem);
    // 10 % of 10 members = 1 already ejected: no second ejection.
    for (int i = 0; i < 10; ++i) {
      CPPUNIT_ASSERT(!recordOutcome(*s, true, kSec, cfg, 1, 10));
    }
    CPPUNIT_ASSERT(!isEjected(*s, kSec));
    // With 3 members 10 % rounds to 0, but one member may always be ejected.
    recordOutcome(*s, false, kSec, cfg, 0, 3);  // a fresh streak
    for (int i = 0; i < 4; ++i) {
      recordOutcome(*s, true, kSec, cfg, 0, 3);
    }
    CPPUNIT_ASSERT(recordOutcome(*s, true, kSec, cfg, 0, 3));
  }
  void zeroConsecutiveNeverEjects() {
    MemberSlot* s = freshSlot(mem);
    cfg.consecutiveFailures = 0;
    for (int i = 0; i < 100; ++i) {
      CPPUNIT_ASSERT(!recordOutcome(*s, true, kSec, cfg, 0, 10));
    }
    CPPUNIT_ASSERT(!isEjected(*s, kSec));
  }
  void slowStartRampsFromFloorToFull() {
    int64_t since = 50 * kSec, d = 10 * kSec;
    CPPUNIT_ASSERT_EQUAL(uint32_t(10), slowStartWeight(100, since, since, d));
    CPPUNIT_ASSERT_EQUAL(uint32_t(55), slowStartWeight(100, since + 5 * kSec, since, d));
    CPPUNIT_ASSERT_EQUAL(uint32_t(100), slowStartWeight(100, since + 10 * kSec, since, d));
    CPPUNIT_ASSERT_EQUAL(uint32_t(100), slowStartWeight(100, since + 5 * kSec, 0, d));  // long ago
    CPPUNIT_ASSERT_EQUAL(uint32_t(100), slowStartWeight(100, since, since, 0));         // off
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), slowStartWeight(1, since, since, d));             // never 0
  }
  void trackUsableMarksTheReturn() {
    MemberSlot* s = freshSlot(mem);
    CPPUNIT_ASSERT_EQUAL(5 * kSec, trackUsable(*s, true, 5 * kSec));  // first seen: starts now
    CPPUNIT_ASSERT_EQUAL(5 * kSec, trackUsable(*s, true, 9 * kSec));  // still the same start
    CPPUNIT_ASSERT_EQUAL(int64_t(0), trackUsable(*s, false, 10 * kSec));
    CPPUNIT_ASSERT_EQUAL(12 * kSec, trackUsable(*s, true, 12 * kSec));  // back: a new start
  }
  void mayEjectOnlyAtTheEndOfAStreak() {
    MemberSlot* s = freshSlot(mem);
    cfg.consecutiveFailures = 3;
    CPPUNIT_ASSERT(!mayEject(*s, true, cfg));
    recordOutcome(*s, true, kSec, cfg, 0, 10);
    CPPUNIT_ASSERT(!mayEject(*s, true, cfg));
    recordOutcome(*s, true, kSec, cfg, 0, 10);
    CPPUNIT_ASSERT(mayEject(*s, true, cfg));    // this would be the third in a row
    CPPUNIT_ASSERT(!mayEject(*s, false, cfg));  // a success never ejects
    cfg.consecutiveFailures = 0;
    CPPUNIT_ASSERT(!mayEject(*s, true, cfg));  // detector off
  }
  void plainSuccessDoesNotMatter() {
    MemberSlot* s = freshSlot(mem);
    CPPUNIT_ASSERT(!outcomeMatters(*s, false));
    CPPUNIT_ASSERT(outcomeMatters(*s, true));
    recordOutcome(*s, true, kSec, cfg, 0, 10);
    CPPUNIT_ASSERT(outcomeMatters(*s, false));  // it ends a streak
    recordOutcome(*s, false, kSec, cfg, 0, 10);
    CPPUNIT_ASSERT(!outcomeMatters(*s, false));
    s->ejections.store(1);
    CPPUNIT_ASSERT(outcomeMatters(*s, false));  // an ejection to forgive
  }
  void panicBelowThreshold() {
    CPPUNIT_ASSERT(!inPanic(5, 10, 50));
    CPPUNIT_ASSERT(inPanic(4, 10, 50));
    CPPUNIT_ASSERT(inPanic(0, 10, 0));
    CPPUNIT_ASSERT(!inPanic(1, 10, 0));
  }
  void membersOwnRampWinsOverTheBalancers() {
    MemberSlot* s = freshSlot(mem);
    CPPUNIT_ASSERT_EQUAL(int64_t(30 * kSec), slowStartRamp(*s, 30 * kSec));
    s->slowStartMicros.store(5 * kSec);
    CPPUNIT_ASSERT_EQUAL(int64_t(5 * kSec), slowStartRamp(*s, 30 * kSec));
    s->slowStartMicros.store(-1);  // slowstart=0 on the member: off despite the balancer's
    CPPUNIT_ASSERT(slowStartRamp(*s, 30 * kSec) <= 0);
  }
  void slowStartPercentOnlyWhileRamping() {
    MemberSlot* s = freshSlot(mem);
    int64_t now = 1000 * kSec;
    s->usableSince.store(now - 5 * kSec);
    CPPUNIT_ASSERT_EQUAL(-1, slowStartPercent(*s, 0, true, now));           // no ramp configured
    CPPUNIT_ASSERT_EQUAL(-1, slowStartPercent(*s, 10 * kSec, false, now));  // not usable
    CPPUNIT_ASSERT_EQUAL(55, slowStartPercent(*s, 10 * kSec, true, now));   // 10% + 90% x half
    CPPUNIT_ASSERT_EQUAL(-1, slowStartPercent(*s, 4 * kSec, true, now));    // ramped up already
    s->usableSince.store(0);  // usable since before mod_fleet watched
    CPPUNIT_ASSERT_EQUAL(-1, slowStartPercent(*s, 10 * kSec, true, now));
  }
  void resetEjectionForgivesEverything() {
    MemberSlot* s = freshSlot(mem);
    ManualClock clock(100 * kSec);
    for (int i = 0; i < 5; ++i) {
      recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10);
    }
    CPPUNIT_ASSERT(isEjected(*s, clock.nowMicros()));
    resetEjection(*s);
    CPPUNIT_ASSERT(!isEjected(*s, clock.nowMicros()));
    CPPUNIT_ASSERT_EQUAL(0u, s->ejections.load());
    CPPUNIT_ASSERT_EQUAL(0u, s->consecutiveFailures.load());
    // The next streak ejects for the base time again, not a doubled one.
    for (int i = 0; i < 5; ++i) {
      recordOutcome(*s, true, clock.nowMicros(), cfg, 0, 10);
    }
    CPPUNIT_ASSERT_EQUAL(clock.nowMicros() + cfg.baseEjectionMicros, s->ejectedUntil.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(MemberHealthTest, "lb");
