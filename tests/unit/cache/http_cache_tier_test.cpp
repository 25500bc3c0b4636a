// HttpCache with a per-process memory tier (shared/cache/local_tier.h) and its TierFollower
// (invalidation.h): hits from the tier cost no memcached round trip, a tier copy that is no
// longer fresh is read again from memcached, and invalidations and purges made by other
// processes reach the tier (at once through the server's ring, at the next poll from elsewhere).
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>

#include "shared/cache/local_tier.h"
#include "tests/unit/cache/engine_harness.h"

using namespace fleet::cache;

using namespace fleet::cache::testing;

// Another process on the same memcached and clock: of this server (sharing its invalidation
// ring) or of another server (memcached's log only).
struct Process {
  Harness& h;
  LocalTier tier{1 << 20};
  TierFollower follower;
  HttpCache cache;
  Process(Harness& harness, bool sameServer)
      : h(harness),
        follower(tier, sameServer ? &harness.counters->invalidations : nullptr, harness.store,
                 harness.keys, [this] { return 9000001 * ++h.draws; }),
        cache(HttpCache::Deps{harness.store, &tier, &follower, harness.counters.get(),
                              harness.clock, [this] { return 1000003 * ++h.draws; },
                              [this](int64_t micros) { h.advanceMicros(micros); }},
              Keys("fl2:")) {}
  std::unique_ptr<CacheExchange> begin(const std::string& method, const std::string& target,
                                       HeaderList headers = {}) {
    return cache.begin(Harness::request(method, target, std::move(headers)), h.settings);
  }
};

class HttpCacheTierTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpCacheTierTest);
  CPPUNIT_TEST(aTierHitDoesNotTouchTheStore);
  CPPUNIT_TEST(aTierCopyNoLongerFreshIsReadAgainFromTheStore);
  CPPUNIT_TEST(anInvalidationByAnotherProcessOfThisServerDropsTheTierCopy);
  CPPUNIT_TEST(aPurgeByTagOnAnotherServerReachesTheTierAtTheNextPoll);
  CPPUNIT_TEST(aSoftPurgeByAnotherProcessMakesTheTierCopyStale);
  CPPUNIT_TEST(aHitForMissMarkerInTheTierCostsNoStoreRoundTrip);
  CPPUNIT_TEST(aStoredAnswerTakesTheMarkerOutOfEveryTier);
  CPPUNIT_TEST(variantsAreServedFromTheTier);
  CPPUNIT_TEST_SUITE_END();

 public:
  void aTierHitDoesNotTouchTheStore() {
    Harness h(true);
    h.fill("/a", 200, h.response("max-age=60"), "tiered");
    CPPUNIT_ASSERT(h.tier->size() >= 1);
    uint64_t before = h.store.ops;
    h.advance(30);
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("tiered"), bodyOf(l.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("30"), field(l.answer.allHeaders(), "Age"));
    CPPUNIT_ASSERT_EQUAL(before, h.store.ops);
  }

  void aTierCopyNoLongerFreshIsReadAgainFromTheStore() {
    Harness h(true);
    h.fill("/a", 200, h.response("max-age=60", {{"ETag", "\"v1\""}}), "v1");
    h.advance(61);
    Process other(h, false);  // another server refreshes it in memcached
    auto ex = other.begin("GET", "/a");
    CacheExchange::Lookup l = ex->lookup();
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(std::string("\"v1\""), field(l.setRequest, "If-None-Match"));
    CPPUNIT_ASSERT(
        Harness::answer(*ex, 200, h.response("max-age=60", {{"ETag", "\"v2\""}}), "v2").kind ==
        Kind::kStore);
    ex.reset();
    uint64_t before = h.store.ops;
    l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("v2"), bodyOf(l.answer));
    CPPUNIT_ASSERT(h.store.ops > before);
    before = h.store.ops;
    CPPUNIT_ASSERT_EQUAL(std::string("v2"),
                         bodyOf(h.look("/a").answer));  // and the tier has it now
    CPPUNIT_ASSERT_EQUAL(before, h.store.ops);
  }

  void anInvalidationByAnotherProcessOfThisServerDropsTheTierCopy() {
    Harness h(true);
    h.fill("/a", 200, h.response("max-age=60"), "a");
    h.fill("/b", 200, h.response("max-age=60"), "b");
    Process sibling(h, true);
    auto post = sibling.begin("POST", "/a");
    CPPUNIT_ASSERT(post->lookup().step == Step::kForward);
    post->onResponse(200, h.response(""));
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    uint64_t before = h.store.ops;
    CPPUNIT_ASSERT(h.look("/b").step == Step::kServe);  // only that URL left the tier
    CPPUNIT_ASSERT_EQUAL(before, h.store.ops);
  }

  void aPurgeByTagOnAnotherServerReachesTheTierAtTheNextPoll() {
    Harness h(true);
    h.settings.purge = true;
    h.fill("/a", 200, h.response("max-age=60", {{"Surrogate-Key", "t"}}), "a");
    Process elsewhere(h, false);
    CPPUNIT_ASSERT(
        elsewhere.begin("PURGE", "/", {{"Surrogate-Key", "t"}})->lookup().answer.status == 200);
    h.follower->pollStore();
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
  }

  void aSoftPurgeByAnotherProcessMakesTheTierCopyStale() {
    Harness h(true);
    h.settings.purge = true;
    h.fill("/a", 200, h.response("max-age=60"), "a");
    h.advance(1);
    Process sibling(h, true);
    CPPUNIT_ASSERT(
        sibling.begin("PURGE", "/a", {{"Fleet-Soft-Purge", "1"}})->lookup().answer.status == 200);
    auto ex = h.get("/a");
    CacheExchange::Lookup l = ex->lookup();
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT(
        contains(field(l.answer.allHeaders(), "Cache-Status"), "detail=stale-while-revalidate"));
    CPPUNIT_ASSERT(ex->owesRefresh());
  }

  void aHitForMissMarkerInTheTierCostsNoStoreRoundTrip() {
    Harness h(true);
    h.fill("/a", 200, h.response("private"), "mine");
    uint64_t before = h.store.ops;
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(before, h.store.ops);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->hitForMiss.load());
  }

  // One process stores what another still remembers as hit-for-miss in its tier: the other's
  // next lookup must see the stored response, not the marker for two more minutes.
  void aStoredAnswerTakesTheMarkerOutOfEveryTier() {
    Harness h(true);
    Process other(h, true);
    h.fill("/a", 200, h.response(""), "uncacheable");  // no freshness: the marker
    CPPUNIT_ASSERT(other.begin("GET", "/a")->lookup().step ==
                   Step::kForward);  // the marker, now in its tier
    auto ex = h.get("/a");
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(Harness::answer(*ex, 200, h.response("max-age=60"), "stored").kind ==
                   Kind::kStore);
    CacheExchange::Lookup l = other.begin("GET", "/a")->lookup();
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("stored"), bodyOf(l.answer));
  }

  void variantsAreServedFromTheTier() {
    Harness h(true);
    h.fill("/v", 200, h.response("max-age=60", {{"Vary", "Cookie"}}), "one", {{"Cookie", "u=1"}});
    uint64_t before = h.store.ops;
    CacheExchange::Lookup l = h.look("/v", {{"Cookie", "u=1"}});
    CPPUNIT_ASSERT_EQUAL(std::string("one"), bodyOf(l.answer));
    CPPUNIT_ASSERT_EQUAL(before, h.store.ops);
    CPPUNIT_ASSERT(h.look("/v", {{"Cookie", "u=2"}}).step == Step::kForward);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpCacheTierTest, "cache");
