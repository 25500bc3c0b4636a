#include "shared/resilience/balancer_state.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <memory>
#include <vector>

using namespace fleet::resilience;
using fleet::common::ManualClock;

namespace {
std::unique_ptr<BalancerState> zeroed() {
  auto b = std::make_unique<BalancerState>();
  std::memset(static_cast<void*>(b.get()), 0, sizeof(BalancerState));
  return b;
}
}  // namespace

class BalancerStateTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(BalancerStateTest);
  CPPUNIT_TEST(tableFindsWhatItClaimed);
  CPPUNIT_TEST(theBudgetCapsRetriesAtAShareOfTheRequests);
  CPPUNIT_TEST(theFloorAllowsAFewRetriesInFlight);
  CPPUNIT_TEST(aFullQueueRefusesAtOnce);
  CPPUNIT_TEST(waitersAreServedInArrivalOrder);
  CPPUNIT_TEST(aWaiterGivesUpAtItsTimeout);
  CPPUNIT_TEST(aDeadWaiterDoesNotBlockTheQueue);
  CPPUNIT_TEST_SUITE_END();

 public:
  void tableFindsWhatItClaimed() {
    std::vector<unsigned char> mem(BalancerTable::bytesFor(3));
    BalancerTable t = BalancerTable::format(mem.data(), mem.size());
    BalancerState* a = t.findOrClaim(balancerKey("balancer://a"));
    BalancerState* b = t.findOrClaim(balancerKey("balancer://b"));
    CPPUNIT_ASSERT(a != nullptr && b != nullptr && a != b);
    CPPUNIT_ASSERT_EQUAL(a, t.find(balancerKey("balancer://a")));
    CPPUNIT_ASSERT(t.find(balancerKey("balancer://c")) == nullptr);
  }
  void theBudgetCapsRetriesAtAShareOfTheRequests() {
    auto b = zeroed();
    BudgetConfig cfg{20, 0};
    for (int i = 0; i < 10; ++i) {
      requestStarted(*b);
    }
    CPPUNIT_ASSERT(tryRetry(*b, cfg));  // 20 % of 10 = 2 in flight
    CPPUNIT_ASSERT(tryRetry(*b, cfg));
    CPPUNIT_ASSERT(!tryRetry(*b, cfg));  // a fleet-wide outage does not triple the load
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), b->budgetRefusals.load());
    retryEnded(*b);
    CPPUNIT_ASSERT(tryRetry(*b, cfg));
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), b->retries.load());
  }
  void theFloorAllowsAFewRetriesInFlight() {
    auto b = zeroed();
    BudgetConfig cfg{20, 2};
    requestStarted(*b);  // 20 % of 1: none by share
    CPPUNIT_ASSERT(tryRetry(*b, cfg));
    CPPUNIT_ASSERT(tryRetry(*b, cfg));
    CPPUNIT_ASSERT(!tryRetry(*b, cfg));
    retryEnded(*b);  // one retry finished: room for another
    CPPUNIT_ASSERT(tryRetry(*b, cfg));
    CPPUNIT_ASSERT_EQUAL(int64_t(2), b->retriesActive.load());
  }
  void aFullQueueRefusesAtOnce() {
    auto b = zeroed();
    ManualClock clock(0);
    b->depth.store(2);
    int64_t waited = -1;
    int sleeps = 0;
    QueueResult r = waitForSlot(
        *b, 2, 1000000, clock, [&](int64_t) { ++sleeps; }, [] { return true; }, &waited);
    CPPUNIT_ASSERT(r == QueueResult::kFull);
    CPPUNIT_ASSERT_EQUAL(0, sleeps);
    CPPUNIT_ASSERT_EQUAL(uint32_t(2), b->depth.load());
  }
  void waitersAreServedInArrivalOrder() {
    auto b = zeroed();
    ManualClock clock(0);
    // An earlier request (another process) waits with ticket 0: we hold ticket 1.
    b->nextTicket.store(1);
    b->depth.store(1);
    b->slotWord[0].store((0 << 2) | 1);
    b->slotDeadline[0].store(10000000);
    int tries = 0;
    int64_t waited = 0;
    QueueResult r = waitForSlot(
        *b, 10, 1000000, clock,
        [&](int64_t micros) {
          clock.advanceMicros(micros);
          if (clock.nowMicros() == 5000) {  // the earlier one was served and left
            b->slotWord[0].store((0 << 2) | 2);
            b->depth.fetch_sub(1);
          }
        },
        [&] {
          ++tries;
          return true;
        },
        &waited);
    CPPUNIT_ASSERT(r == QueueResult::kGot);
    CPPUNIT_ASSERT_EQUAL(1, tries);  // it never jumped ahead of the earlier one
    CPPUNIT_ASSERT_EQUAL(int64_t(5000), waited);
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), b->depth.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), b->head.load());
  }
  void aWaiterGivesUpAtItsTimeout() {
    auto b = zeroed();
    ManualClock clock(0);
    int64_t waited = 0;
    QueueResult r = waitForSlot(
        *b, 10, 20000, clock, [&](int64_t m) { clock.advanceMicros(m); }, [] { return false; },
        &waited);
    CPPUNIT_ASSERT(r == QueueResult::kTimedOut);
    CPPUNIT_ASSERT_EQUAL(int64_t(20000), waited);
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), b->depth.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), b->queueTimeouts.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), b->head.load());  // the next one is not blocked by it
  }
  void aDeadWaiterDoesNotBlockTheQueue() {
    auto b = zeroed();
    ManualClock clock(0);
    b->nextTicket.store(1);
    b->depth.store(1);
    b->slotWord[0].store((0 << 2) | 1);
    b->slotDeadline[0].store(1000);  // its process died long ago
    clock.setMicros(5000000);
    int64_t waited = 0;
    QueueResult r = waitForSlot(
        *b, 10, 1000000, clock, [&](int64_t m) { clock.advanceMicros(m); }, [] { return true; },
        &waited);
    CPPUNIT_ASSERT(r == QueueResult::kGot);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), waited);
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), b->depth.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(BalancerStateTest, "resilience");
