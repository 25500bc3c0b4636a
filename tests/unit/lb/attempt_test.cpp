#include "shared/lb/attempt.h"

#include <cppunit/extensions/HelperMacros.h>

#include <vector>

#include "shared/common/clock.h"

using namespace fleet::lb;
using fleet::common::ManualClock;

namespace {
constexpr int64_t kMs = 1000;
constexpr int64_t kSec = 1000 * kMs;

// A balancing method as the attempt sees it: only whether it wants latency matters.
class FakeMethod : public LoadBalancer {
 public:
  explicit FakeMethod(bool latency) : latency_(latency) {}
  const char* name() const override { return "fake"; }
  bool usesLatency() const override { return latency_; }
  Decision pick(const Candidate*, size_t, PickContext&) const override { return Decision(); }

 private:
  bool latency_;
};

class FakeBalancer : public BalancerView {
 public:
  AttemptSettings settings() const override {
    ++settingsRead_;
    return settings_;
  }
  size_t members() const override { return members_; }
  size_t ejected(int64_t) const override {
    ++asked_;
    return ejected_;
  }
  AttemptSettings settings_;
  size_t members_ = 10;
  size_t ejected_ = 0;
  mutable int asked_ = 0;
  mutable int settingsRead_ = 0;
};

class CountingClock : public ManualClock {
 public:
  using ManualClock::ManualClock;
  int64_t nowMicros() const override {
    ++reads_;
    return ManualClock::nowMicros();
  }
  mutable int reads_ = 0;
};

// Member names are compared by pointer, as httpd hands out the same string each time.
const char* const kA = "http://a";
const char* const kB = "http://b";
}  // namespace

class AttemptTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AttemptTest);
  CPPUNIT_TEST(normalAttemptCountsThenReleasesOnce);
  CPPUNIT_TEST(failoverInTheFinderMovesTheCountAndRecordsTheFailure);
  CPPUNIT_TEST(failoverInFixupsMovesTheCountAndRecordsTheFailure);
  CPPUNIT_TEST(stickyRequestIsCountedInFixups);
  CPPUNIT_TEST(stickyFailoverWithoutOurMethodRecordsNothing);
  CPPUNIT_TEST(firstByteObservedOncePerAttempt);
  CPPUNIT_TEST(firstByteWatchAskedOnce);
  CPPUNIT_TEST(releasedOnCleanupWithoutPostRequest);
  CPPUNIT_TEST(serverErrorFailsAndCostsThePenalty);
  CPPUNIT_TEST(tooManyRequestsCostsThePenaltyButIsNoFailure);
  CPPUNIT_TEST(ejectionAfterConsecutiveFailuresIsReported);
  CPPUNIT_TEST(ejectionCappedByTheBalancer);
  CPPUNIT_TEST(outcomeIgnoredWhenTheMethodIsNotOurs);
  CPPUNIT_TEST(plainSuccessSparesTheClockAndTheSettings);
  CPPUNIT_TEST(noSlotCountsNothing);
  CPPUNIT_TEST(pickAtTheLimitCountsNothing);
  CPPUNIT_TEST(reservationIsKeptByTheNextPick);
  CPPUNIT_TEST(reservationElsewhereReleasesWithoutAFailure);
  CPPUNIT_TEST(failedNowRecordsOnceAndTheNextPickDoesNotAgain);
  CPPUNIT_TEST_SUITE_END();

  std::vector<MemberSlot> mem = std::vector<MemberSlot>(16);
  MemberSlot* a = nullptr;
  MemberSlot* b = nullptr;
  CountingClock clock{100 * kSec};
  FakeBalancer balancer;
  AttemptEnv env{clock, balancer};
  FakeMethod p2c{false};
  FakeMethod ewma{true};

 public:
  void setUp() override {
    MemberTable t = MemberTable::format(mem.data(), mem.size() * sizeof(MemberSlot));
    a = t.findOrClaim(memberKey("balancer://x", kA));
    b = t.findOrClaim(memberKey("balancer://x", kB));
  }

  void normalAttemptCountsThenReleasesOnce() {
    {
      Attempt at;
      at.picked(a, kA, nullptr, env);
      CPPUNIT_ASSERT_EQUAL(int64_t(1), a->inflight.load());
      CPPUNIT_ASSERT(at.countsFor(kA));
      Sent s = at.sent(nullptr, kA, &p2c, env);  // fixups: same member, no lookup needed
      CPPUNIT_ASSERT(!s.ejection.happened);
      CPPUNIT_ASSERT_EQUAL(int64_t(1), a->inflight.load());
      CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->requests.load());
      at.finished(200, &p2c, env);
      CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
      CPPUNIT_ASSERT(at.counted() == nullptr);
      at.finished(200, &p2c, env);  // a second report changes nothing
      at.release();
    }  // nor does the pool cleanup after post_request
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), a->failures.load());
  }

  void failoverInTheFinderMovesTheCountAndRecordsTheFailure() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    at.sent(nullptr, kA, &p2c, env);
    clock.advanceMicros(2 * kMs);
    at.picked(b, kB, &p2c, env);  // mod_proxy retries: a failed the attempt
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), a->consecutiveFailures.load());
    // Not timed (p2c), so the failure costs exactly the penalty.
    CPPUNIT_ASSERT_DOUBLES_EQUAL(500000.0, PeakEwma::stored(a->latency.load()), 0.5);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), b->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), b->requests.load());
    CPPUNIT_ASSERT(at.countsFor(kB));
    at.sent(nullptr, kB, &p2c, env);
    at.finished(200, &p2c, env);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), b->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), b->failures.load());
  }

  void failoverInFixupsMovesTheCountAndRecordsTheFailure() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    CPPUNIT_ASSERT(at.sent(nullptr, kA, &ewma, env).watchFirstByte);
    clock.advanceMicros(700 * kMs);  // slower than the penalty: the real time counts
    CPPUNIT_ASSERT(!at.countsFor(kB));
    Sent s = at.sent(b, kB, &ewma, env);
    CPPUNIT_ASSERT(!s.watchFirstByte);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->failures.load());
    CPPUNIT_ASSERT_DOUBLES_EQUAL(700000.0, PeakEwma::stored(a->latency.load()), 0.5);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), b->inflight.load());
    clock.advanceMicros(3 * kMs);
    at.firstByte(200, env);  // b's own attempt is timed from its own start
    CPPUNIT_ASSERT_DOUBLES_EQUAL(3000.0, PeakEwma::stored(b->latency.load()), 0.5);
    at.finished(200, &ewma, env);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), b->inflight.load());
    CPPUNIT_ASSERT_EQUAL(1, balancer.settingsRead_);  // read once for the whole request
  }

  void stickyRequestIsCountedInFixups() {
    Attempt at;  // no finder: the sticky route chose the member
    Sent s = at.sent(a, kA, nullptr, env);
    CPPUNIT_ASSERT(!s.watchFirstByte);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->requests.load());
    CPPUNIT_ASSERT_EQUAL(0, clock.reads_);
    // post_request knows the balancer, and so the method: the outcome is recorded.
    at.finished(503, &p2c, env);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->failures.load());
  }

  void stickyFailoverWithoutOurMethodRecordsNothing() {
    Attempt at;
    at.sent(a, kA, nullptr, env);
    at.sent(b, kB, nullptr, env);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(1), b->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), a->latency.load());
    at.release();
    CPPUNIT_ASSERT_EQUAL(int64_t(0), b->inflight.load());
  }

  void firstByteObservedOncePerAttempt() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    at.sent(nullptr, kA, &ewma, env);
    clock.advanceMicros(30 * kMs);
    at.firstByte(200, env);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(30000.0, PeakEwma::stored(a->latency.load()), 0.5);
    clock.advanceMicros(2 * kSec);  // a long body: not the member's latency
    at.firstByte(200, env);
    at.finished(200, &ewma, env);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(30000.0, PeakEwma::stored(a->latency.load()), 0.5);
  }

  void firstByteWatchAskedOnce() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    CPPUNIT_ASSERT(at.sent(nullptr, kA, &ewma, env).watchFirstByte);
    CPPUNIT_ASSERT(!at.sent(nullptr, kA, &ewma, env).watchFirstByte);  // a retry, same member
    // Without firstByte (e.g. the member never answered), post_request times the attempt.
    clock.advanceMicros(40 * kMs);
    at.finished(200, &ewma, env);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(40000.0, PeakEwma::stored(a->latency.load()), 0.5);
  }

  void releasedOnCleanupWithoutPostRequest() {
    {
      Attempt at;
      at.picked(a, kA, nullptr, env);
      at.sent(nullptr, kA, &ewma, env);
    }  // the request pool's cleanup destroys it: the client went away, no post_request
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->requests.load());
  }

  void serverErrorFailsAndCostsThePenalty() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    at.sent(nullptr, kA, &ewma, env);
    clock.advanceMicros(5 * kMs);
    at.firstByte(502, env);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(500000.0, PeakEwma::stored(a->latency.load()), 0.5);
    at.finished(502, &ewma, env);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), a->consecutiveFailures.load());
  }

  void tooManyRequestsCostsThePenaltyButIsNoFailure() {
    a->consecutiveFailures.store(2);
    Attempt at;
    at.picked(a, kA, nullptr, env);
    at.sent(nullptr, kA, &ewma, env);
    clock.advanceMicros(5 * kMs);
    at.finished(429, &ewma, env);  // no firstByte: post_request reports the status
    CPPUNIT_ASSERT_DOUBLES_EQUAL(500000.0, PeakEwma::stored(a->latency.load()), 0.5);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), a->consecutiveFailures.load());  // an answer: streak over
  }

  void ejectionAfterConsecutiveFailuresIsReported() {
    balancer.settings_.health.consecutiveFailures = 3;
    for (int i = 0; i < 2; ++i) {
      Attempt at;
      at.picked(a, kA, nullptr, env);
      CPPUNIT_ASSERT(!at.finished(503, &p2c, env).happened);
    }
    CPPUNIT_ASSERT_EQUAL(0, balancer.asked_);  // no scan before the streak can complete
    Attempt at;
    at.picked(a, kA, nullptr, env);
    Ejection e = at.finished(503, &p2c, env);
    CPPUNIT_ASSERT_EQUAL(1, balancer.asked_);
    CPPUNIT_ASSERT(e.happened);
    CPPUNIT_ASSERT(e.member == kA);
    CPPUNIT_ASSERT_EQUAL(30 * kSec, e.forMicros);
    CPPUNIT_ASSERT_EQUAL(uint32_t(3), e.afterFailures);
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), e.ejections);
    CPPUNIT_ASSERT(isEjected(*a, clock.nowMicros()));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
  }

  void ejectionCappedByTheBalancer() {
    balancer.settings_.health.consecutiveFailures = 1;
    balancer.ejected_ = 1;  // 10 % of 10 members: the cap is reached
    Attempt at;
    at.picked(a, kA, nullptr, env);
    at.sent(nullptr, kA, &p2c, env);
    Ejection e = at.picked(b, kB, &p2c, env);  // the failover path reports ejections too
    CPPUNIT_ASSERT(!e.happened);
    CPPUNIT_ASSERT(!isEjected(*a, clock.nowMicros()));
    balancer.ejected_ = 0;
    e = at.finished(503, &p2c, env);
    CPPUNIT_ASSERT(e.happened);
    CPPUNIT_ASSERT(e.member == kB);
  }

  void outcomeIgnoredWhenTheMethodIsNotOurs() {
    Attempt at;
    at.sent(a, kA, nullptr, env);
    at.finished(503, nullptr, env);  // balancer-manager switched the balancer to byrequests
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(0, clock.reads_);
  }

  void plainSuccessSparesTheClockAndTheSettings() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    at.sent(nullptr, kA, &p2c, env);
    at.finished(200, &p2c, env);
    CPPUNIT_ASSERT_EQUAL(0, clock.reads_);
    CPPUNIT_ASSERT_EQUAL(0, balancer.settingsRead_);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
  }

  void noSlotCountsNothing() {
    Attempt at;  // the shared table had no room for the member
    at.picked(nullptr, kA, nullptr, env);
    CPPUNIT_ASSERT(at.counted() == nullptr);
    CPPUNIT_ASSERT(!at.countsFor(kA));
    at.sent(nullptr, kA, &ewma, env);
    at.firstByte(503, env);
    CPPUNIT_ASSERT(!at.finished(503, &ewma, env).happened);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), a->requests.load());
  }
  void pickAtTheLimitCountsNothing() {
    a->maxConn.store(1);
    Attempt first, second;
    first.picked(a, kA, nullptr, env);
    second.picked(a, kA, nullptr, env);  // another request while the first is in flight
    CPPUNIT_ASSERT(first.countsFor(kA));
    CPPUNIT_ASSERT(!second.countsFor(kA));
    CPPUNIT_ASSERT_EQUAL(int64_t(1), a->inflight.load());
    CPPUNIT_ASSERT(!second.reserve(a, kA));  // still at the limit
    first.finished(200, &p2c, env);
    CPPUNIT_ASSERT(second.reserve(a, kA));  // the slot it freed
    CPPUNIT_ASSERT_EQUAL(int64_t(1), a->inflight.load());
  }
  void reservationIsKeptByTheNextPick() {
    b->maxConn.store(2);
    Attempt at;
    CPPUNIT_ASSERT(at.reserve(b, kB));
    CPPUNIT_ASSERT(at.countsFor(kB));
    at.picked(b, kB, &p2c, env);  // the finder picks the reserved member: no failure, no recount
    CPPUNIT_ASSERT_EQUAL(int64_t(1), b->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), b->requests.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), b->failures.load());
    at.picked(a, kA, &p2c, env);  // a later pick elsewhere is a failover again
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), b->failures.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), b->inflight.load());
  }
  void reservationElsewhereReleasesWithoutAFailure() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    CPPUNIT_ASSERT(at.reserve(b, kB));  // the queue found room on b instead
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(1), b->inflight.load());
    CPPUNIT_ASSERT(at.reserve(nullptr, "http://unslotted"));  // no slot: nothing to count
    CPPUNIT_ASSERT_EQUAL(int64_t(0), b->inflight.load());
  }
  void failedNowRecordsOnceAndTheNextPickDoesNotAgain() {
    Attempt at;
    at.picked(a, kA, nullptr, env);
    at.sent(nullptr, kA, &p2c, env);
    at.failedNow(&p2c, env);  // the retry loop: a timed out
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
    at.picked(b, kB, &p2c, env);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->failures.load());
    at.finished(200, &p2c, env);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), b->failures.load());
    Attempt stock;  // a balancer whose method is not ours: nothing learnt, the count given back
    stock.picked(a, kA, nullptr, env);
    stock.failedNow(nullptr, env);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), a->failures.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a->inflight.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(AttemptTest, "lb");
