// HttpCache and CacheExchange (shared/cache/exchange.cpp): coalescing of concurrent misses on
// the fleet-wide lease (the waiter served the holder's copy, the races around the holder storing
// and leaving) and hit-for-miss markers, which let requests for an uncacheable URL skip the wait.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>
#include <utility>

#include "tests/unit/cache/engine_harness.h"

using namespace fleet::cache;

using namespace fleet::cache::testing;

class HttpCacheCoalescingTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpCacheCoalescingTest);
  CPPUNIT_TEST(aWaiterIsServedTheCopyTheHolderStores);
  CPPUNIT_TEST(aHolderStoringBetweenTheWaitersTwoLooksStillServesTheWaiter);
  CPPUNIT_TEST(aHolderStoringBeforeTheWaitersLeaseIsFoundByTheWaiter);
  CPPUNIT_TEST(aHolderLeavingWithoutStoringLetsTheWaiterForward);
  CPPUNIT_TEST(aWaiterGivesUpAfterTheLockWait);
  CPPUNIT_TEST(anUncacheableAnswerLetsLaterRequestsSkipTheLease);
  CPPUNIT_TEST(aPrivateAnswerLeavesAHitForMissMarker);
  CPPUNIT_TEST(theMarkerLapsesAfterHitForMissSeconds);
  CPPUNIT_TEST(aCacheableAnswerReplacesTheMarker);
  CPPUNIT_TEST(aWaiterForwardsAtOnceWhenTheHolderFindsTheAnswerUncacheable);
  CPPUNIT_TEST(withMemcachedDownARequestGoesStraightToTheMember);
  CPPUNIT_TEST_SUITE_END();

  static std::string lease(const Harness& h, const std::string& target) {
    return h.keys.missLease(primaryKey("http", "example.com", 80, target));
  }

 public:
  void aWaiterIsServedTheCopyTheHolderStores() {
    Harness h;
    auto holder = h.get("/a");
    CPPUNIT_ASSERT(holder->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(h.store.has(lease(h, "/a")));
    int acted = 0;
    h.duringSleep = [&] {
      if (acted++ == 2) {
        Harness::answer(*holder, 200, h.response("max-age=60"), "from holder");
      }
    };
    auto waiter = h.get("/a");
    CacheExchange::Lookup l = waiter->lookup();
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("from holder"), bodyOf(l.answer));
    CPPUNIT_ASSERT_EQUAL(3, h.sleeps);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->coalesced.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->stores.load());
    CPPUNIT_ASSERT(!h.store.has(lease(h, "/a")));
  }

  // Whichever of the lease and the entry the waiter looks at first, a holder that stores and
  // leaves between the two looks must not send the waiter to the member.
  void aHolderStoringBetweenTheWaitersTwoLooksStillServesTheWaiter() {
    Harness h;
    auto holder = h.get("/a");
    CPPUNIT_ASSERT(holder->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(holder->onResponse(200, h.response("max-age=60")).kind == Kind::kStore);
    CPPUNIT_ASSERT(holder->append("from holder"));
    h.duringSleep = [&] { h.hooked.afterNextRead = [&] { holder->finish(); }; };
    auto waiter = h.get("/a");
    CacheExchange::Lookup l = waiter->lookup();
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("from holder"), bodyOf(l.answer));
    CPPUNIT_ASSERT_EQUAL(1, h.sleeps);
  }

  void aHolderStoringBeforeTheWaitersLeaseIsFoundByTheWaiter() {
    Harness h;
    auto holder = h.get("/a");
    CPPUNIT_ASSERT(holder->lookup().step == Step::kForward);
    auto waiter = h.get("/a");
    h.hooked.beforeNextAdd = [&] {
      Harness::answer(*holder, 200, h.response("max-age=60"), "from holder");
    };
    CacheExchange::Lookup l = waiter->lookup();
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("from holder"), bodyOf(l.answer));
    CPPUNIT_ASSERT_EQUAL(0, h.sleeps);
    CPPUNIT_ASSERT(!h.store.has(lease(h, "/a")));  // the waiter's lease is given back at once
  }

  void aHolderLeavingWithoutStoringLetsTheWaiterForward() {
    Harness h;
    auto holder = h.get("/a");
    CPPUNIT_ASSERT(holder->lookup().step == Step::kForward);
    h.duringSleep = [&] { holder.reset(); };  // a client that went away: nothing stored
    auto waiter = h.get("/a");
    CPPUNIT_ASSERT(waiter->lookup().step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(1, h.sleeps);
    CPPUNIT_ASSERT(Harness::answer(*waiter, 200, h.response("max-age=60"), "w").kind ==
                   Kind::kStore);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kServe);
  }

  void aWaiterGivesUpAfterTheLockWait() {
    Harness h;
    h.settings.lockWaitMicros = 1000000;
    auto holder = h.get("/a");
    CPPUNIT_ASSERT(holder->lookup().step == Step::kForward);
    int64_t start = h.clock.nowMicros();
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(int(1000000 / HttpCache::kLockPollMicros), h.sleeps);
    CPPUNIT_ASSERT_EQUAL(int64_t(1000000), h.clock.nowMicros() - start);
  }

  void anUncacheableAnswerLetsLaterRequestsSkipTheLease() {
    Harness h;
    CacheExchange::Reply r = h.fill("/a", 200, h.response(""), "no freshness");
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "detail=stale-at-once"));
    auto first = h.get("/a");
    auto second = h.get("/a");
    CPPUNIT_ASSERT(first->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(!h.store.has(lease(h, "/a")));
    CPPUNIT_ASSERT(second->lookup().step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(0, h.sleeps);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), h.counters->hitForMiss.load());
    r = first->onResponse(200, h.response(""));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; fwd=uri-miss; hit-for-miss; detail=stale-at-once"),
                         field(r.setResponse, "Cache-Status"));
  }

  void aPrivateAnswerLeavesAHitForMissMarker() {
    Harness h;
    CacheExchange::Reply r = h.fill("/a", 200, h.response("private, max-age=60"), "mine");
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "detail=private"));
    auto holderlike = h.get("/a");
    CPPUNIT_ASSERT(holderlike->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(0, h.sleeps);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), h.counters->hitForMiss.load());
  }

  void theMarkerLapsesAfterHitForMissSeconds() {
    Harness h;
    h.fill("/a", 200, h.response(""), "x");
    h.advance(h.settings.hitForMissSeconds - 1);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->hitForMiss.load());
    h.advance(1);
    auto ex = h.get("/a");
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(h.store.has(lease(h, "/a")));  // a plain miss again: it coalesces
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->hitForMiss.load());
  }

  void aCacheableAnswerReplacesTheMarker() {
    Harness h;
    h.fill("/a", 200, h.response(""), "x");
    CacheExchange::Reply r = h.fill("/a", 200, h.response("max-age=60"), "now cacheable");
    CPPUNIT_ASSERT(r.kind == Kind::kStore);
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("now cacheable"), bodyOf(l.answer));
  }

  void aWaiterForwardsAtOnceWhenTheHolderFindsTheAnswerUncacheable() {
    Harness h;
    auto holder = h.get("/a");
    CPPUNIT_ASSERT(holder->lookup().step == Step::kForward);
    h.duringSleep = [&] {
      if (h.sleeps == 1) {
        Harness::answer(*holder, 200, h.response("private"), "mine");
      }
    };
    auto waiter = h.get("/a");
    CPPUNIT_ASSERT(waiter->lookup().step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(1, h.sleeps);
    CacheExchange::Reply r = waiter->onResponse(200, h.response("private"));
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "hit-for-miss"));
  }

  // Degraded mode: a lease that cannot be taken because memcached does not answer is nobody's
  // lease; waiting a poll interval for it only adds latency to every request.
  void withMemcachedDownARequestGoesStraightToTheMember() {
    Harness h;
    h.store.down = true;
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(0, h.sleeps);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpCacheCoalescingTest, "cache");
