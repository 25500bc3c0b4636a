#include "shared/health/member_update.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <memory>

#include "shared/health/record.h"
#include "shared/lb/member_health.h"

using namespace fleet::health;
using fleet::lb::MemberSlot;

namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kWall = 1700000000 * kSec;

// The member's server-side state as plain fields, as httpd's worker keeps them.
struct FakeMember : MemberState {
  bool hcFail = false;
  bool error = false;
  int pcount = 0, fcount = 0;
  int passes = 1, fails = 1;
  MemberSlot* memberSlot = nullptr;

  bool hcFailed() const override { return hcFail; }
  bool inError() const override { return error; }
  int passCount() const override { return pcount; }
  int failCount() const override { return fcount; }
  void setCounts(int p, int f) override {
    pcount = p;
    fcount = f;
  }
  int passesNeeded() const override { return passes; }
  int failsNeeded() const override { return fails; }
  void setHcFailed() override { hcFail = true; }
  void clearHcFailedAndInError() override { hcFail = error = false; }
  void clearInError() override { error = false; }
  MemberSlot* slot() override { return memberSlot; }
};

ProbeResult result(bool passed) {
  ProbeResult r;
  r.passed = passed;
  r.reason = passed ? "ok" : "status 503";
  r.status = passed ? 200 : 503;
  return r;
}

// A zeroed slot, as the member table hands out.
std::unique_ptr<MemberSlot> newSlot() {
  auto s = std::make_unique<MemberSlot>();
  std::memset(static_cast<void*>(s.get()), 0, sizeof(MemberSlot));
  return s;
}

}  // namespace

class MemberUpdateTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MemberUpdateTest);
  CPPUNIT_TEST(failsAfterFailsInARow);
  CPPUNIT_TEST(recoversAfterPassesInARowAndLeavesErrorToo);
  CPPUNIT_TEST(aMemberInErrorThatPassesIsUsableAtOnce);
  CPPUNIT_TEST(aMemberInErrorThatFailsStaysInError);
  CPPUNIT_TEST(thresholdsBelowOneCountAsOne);
  CPPUNIT_TEST(negativeCountsStartFromZero);
  CPPUNIT_TEST(aRecoveryStartsSlowStartAndAFailureEndsIt);
  CPPUNIT_TEST(everyResultIsRecorded);
  CPPUNIT_TEST(withoutASlotOnlyTheFlagsChange);
  CPPUNIT_TEST_SUITE_END();

 public:
  void failsAfterFailsInARow() {
    FakeMember m;
    m.fails = 3;
    MemberUpdate u = applyCheckResult(m, result(false), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kNone);
    CPPUNIT_ASSERT(u.changing);  // a fail count under way: the faster interval
    CPPUNIT_ASSERT_EQUAL(1, m.fcount);
    applyCheckResult(m, result(false), 0, kWall);
    u = applyCheckResult(m, result(false), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kFailed);
    CPPUNIT_ASSERT(u.failing);
    CPPUNIT_ASSERT(!u.changing);
    CPPUNIT_ASSERT_EQUAL(uint32_t(3), u.threshold.fails);
    CPPUNIT_ASSERT(m.hcFail);
    CPPUNIT_ASSERT_EQUAL(0, m.fcount);
  }
  void recoversAfterPassesInARowAndLeavesErrorToo() {
    FakeMember m;
    m.hcFail = m.error = true;
    m.passes = 2;
    MemberUpdate u = applyCheckResult(m, result(true), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kNone);
    CPPUNIT_ASSERT(m.hcFail && m.error);
    CPPUNIT_ASSERT_EQUAL(1, m.pcount);
    u = applyCheckResult(m, result(true), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kRecovered);
    CPPUNIT_ASSERT(!u.failing);
    CPPUNIT_ASSERT_EQUAL(uint32_t(2), u.threshold.passes);
    CPPUNIT_ASSERT(!m.hcFail && !m.error);
  }
  void aMemberInErrorThatPassesIsUsableAtOnce() {
    FakeMember m;
    m.error = true;  // a request failed; its retry= time has not passed
    MemberUpdate u = applyCheckResult(m, result(true), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kNone);
    CPPUNIT_ASSERT(!m.error);
    CPPUNIT_ASSERT(!m.hcFail);
  }
  void aMemberInErrorThatFailsStaysInError() {
    FakeMember m;
    m.error = true;
    m.fails = 2;
    applyCheckResult(m, result(false), 0, kWall);
    CPPUNIT_ASSERT(m.error);
    FakeMember failing;  // HC-fail and in error, one pass of two: neither flag is cleared yet
    failing.hcFail = failing.error = true;
    failing.passes = 2;
    applyCheckResult(failing, result(true), 0, kWall);
    CPPUNIT_ASSERT(failing.hcFail && failing.error);
  }
  void thresholdsBelowOneCountAsOne() {
    FakeMember m;
    m.passes = 0;
    m.fails = -1;
    MemberUpdate u = applyCheckResult(m, result(false), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kFailed);
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), u.threshold.fails);
    u = applyCheckResult(m, result(true), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kRecovered);
  }
  void negativeCountsStartFromZero() {
    FakeMember m;
    m.fcount = -5;  // balancer-manager or a stray write: not a head start on anything
    m.fails = 2;
    MemberUpdate u = applyCheckResult(m, result(false), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kNone);
    CPPUNIT_ASSERT_EQUAL(1, m.fcount);
  }
  void aRecoveryStartsSlowStartAndAFailureEndsIt() {
    auto slot = newSlot();
    slot->wasUsable.store(1);  // usable since before mod_fleet watched: no slow start
    FakeMember m;
    m.memberSlot = slot.get();
    applyCheckResult(m, result(false), 10 * kSec, kWall);
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), slot->wasUsable.load());
    applyCheckResult(m, result(true), 20 * kSec, kWall);
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), slot->wasUsable.load());
    CPPUNIT_ASSERT_EQUAL(20 * kSec, slot->usableSince.load());
    // A plain pass of a healthy member is no transition: slow start is not restarted.
    applyCheckResult(m, result(true), 25 * kSec, kWall);
    CPPUNIT_ASSERT_EQUAL(20 * kSec, slot->usableSince.load());
  }
  void everyResultIsRecorded() {
    auto slot = newSlot();
    FakeMember m;
    m.memberSlot = slot.get();
    m.fails = 2;
    applyCheckResult(m, result(true), 0, kWall);
    applyCheckResult(m, result(false), 0, kWall + kSec);
    applyCheckResult(m, result(false), 0, kWall + 2 * kSec);
    HealthSnapshot s = readRecord(slot->health);
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), s.checks);
    CPPUNIT_ASSERT_EQUAL(std::string("+--"), historyString(s, 3));
    CPPUNIT_ASSERT(s.failing);
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), s.transitions);
    CPPUNIT_ASSERT_EQUAL(kWall + 2 * kSec, s.changedWall);
    CPPUNIT_ASSERT_EQUAL(kWall + 2 * kSec, s.lastCheckedWall);
    CPPUNIT_ASSERT_EQUAL(std::string("status 503"), s.reason);
  }
  void withoutASlotOnlyTheFlagsChange() {
    FakeMember m;  // the member table is full
    MemberUpdate u = applyCheckResult(m, result(false), 0, kWall);
    CPPUNIT_ASSERT(u.transition == Transition::kFailed);
    CPPUNIT_ASSERT(m.hcFail);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(MemberUpdateTest, "health");
