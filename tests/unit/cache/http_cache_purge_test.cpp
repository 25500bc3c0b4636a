// HttpCache and CacheExchange (shared/cache/http_cache.cpp): PURGE by URL and by Surrogate-Key
// tag, hard (a miss) and soft (served stale while one request refreshes it), the refusal when
// purging is off, and tag counters that memcached evicts.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>

#include "tests/unit/cache/engine_harness.h"

using namespace fleet::cache;

using namespace fleet::cache::testing;

class HttpCachePurgeTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpCachePurgeTest);
  CPPUNIT_TEST(purgeIsRefusedWhenNotEnabled);
  CPPUNIT_TEST(aHardPurgeByUrlMakesTheNextLookupMiss);
  CPPUNIT_TEST(aPurgeByTagReachesEveryResponseWithTheTag);
  CPPUNIT_TEST(aLongTagIsPurged);
  CPPUNIT_TEST(anEvictedTagCounterNeverRevivesAPurgedEntry);
  CPPUNIT_TEST(aSoftPurgeByUrlServesStaleWhileOneRequestRefreshes);
  CPPUNIT_TEST(theSoftPurgeSettingMakesPurgesSoftUnlessTheRequestSaysNo);
  CPPUNIT_TEST(aSoftPurgeByTagServesStaleUntilRefreshed);
  CPPUNIT_TEST(aSoftPurgeOfAVaryingUrlOutlivesTheRefreshOfOneVariant);
  CPPUNIT_TEST(aPurgeWithoutMemcachedFails);
  CPPUNIT_TEST(theStatusPagePurgesByUrlAndByTag);
  CPPUNIT_TEST(aSoftPurgeByTagEndsWhenTheRefreshGetsA304);
  CPPUNIT_TEST_SUITE_END();

  static CacheExchange::Lookup purge(Harness& h, const std::string& target,
                                     HeaderList headers = {}) {
    CacheExchange::Lookup l = h.look(target, std::move(headers), "PURGE");
    CPPUNIT_ASSERT(l.step == Step::kReply);
    return l;
  }
  static bool servedStaleWithRefresh(Harness& h, const std::string& target,
                                     HeaderList headers = {}) {
    auto e1 = h.get(target, headers);
    auto e2 = h.get(target, headers);
    CacheExchange::Lookup l1 = e1->lookup(), l2 = e2->lookup();
    return l1.step == Step::kServe && l2.step == Step::kServe &&
           contains(field(l1.answer.allHeaders(), "Cache-Status"),
                    "detail=stale-while-revalidate") &&
           contains(field(l2.answer.allHeaders(), "Cache-Status"),
                    "detail=stale-while-revalidate") &&
           e1->owesRefresh() && !e2->owesRefresh();
  }

 public:
  void purgeIsRefusedWhenNotEnabled() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60"), "x");
    CPPUNIT_ASSERT_EQUAL(405, purge(h, "/a").answer.status);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kServe);
  }

  void aHardPurgeByUrlMakesTheNextLookupMiss() {
    Harness h;
    h.settings.purge = true;
    h.fill("/a", 200, h.response("max-age=60"), "x");
    h.fill("/b", 200, h.response("max-age=60"), "x");
    CacheExchange::Lookup l = purge(h, "/a");
    CPPUNIT_ASSERT_EQUAL(200, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("purged http://example.com:80/a\n"), bodyOf(l.answer));
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/b").step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->purges.load());
  }

  void aPurgeByTagReachesEveryResponseWithTheTag() {
    Harness h;
    h.settings.purge = true;
    h.fill("/a", 200,
           h.response("max-age=60", {{"Surrogate-Key", "one two"}, {"Surrogate-Key", "three"}}),
           "a");
    h.fill("/b", 200, h.response("max-age=60", {{"Surrogate-Key", "three, four"}}), "b");
    h.fill("/c", 200, h.response("max-age=60", {{"Surrogate-Key", "one"}}), "c");
    CacheExchange::Lookup l =
        purge(h, "/anything", {{"Surrogate-Key", "nine"}, {"Surrogate-Key", "three"}});
    CPPUNIT_ASSERT_EQUAL(200, l.answer.status);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/b").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/c").step == Step::kServe);
  }

  void aLongTagIsPurged() {
    Harness h;
    h.settings.purge = true;
    const std::string tag(300, 't');
    h.fill("/a", 200, h.response("max-age=60", {{"Surrogate-Key", tag}}), "a");
    h.fill("/b", 200, h.response("max-age=60", {{"Surrogate-Key", tag + "x"}}), "b");
    CPPUNIT_ASSERT(h.look("/a").step == Step::kServe);
    purge(h, "/", {{"Surrogate-Key", tag}});
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/b").step == Step::kServe);
  }

  void anEvictedTagCounterNeverRevivesAPurgedEntry() {
    Harness h;
    h.settings.purge = true;
    h.fill("/a", 200, h.response("max-age=60", {{"Surrogate-Key", "t"}}), "a");
    purge(h, "/", {{"Surrogate-Key", "t"}});
    h.store.evict(h.keys.tag("t"));
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    h.fill("/b", 200, h.response("max-age=60", {{"Surrogate-Key", "t"}}), "b");  // the counter anew
    CPPUNIT_ASSERT(h.store.has(h.keys.tag("t")));
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/b").step == Step::kServe);
  }

  void aSoftPurgeByUrlServesStaleWhileOneRequestRefreshes() {
    Harness h;
    h.settings.purge = true;
    h.fill("/a", 200, h.response("max-age=60", {{"ETag", "\"v1\""}}), "old");
    h.advance(1);
    CacheExchange::Lookup l = purge(h, "/a", {{"Fleet-Soft-Purge", "1"}});
    CPPUNIT_ASSERT_EQUAL(std::string("soft-purged http://example.com:80/a\n"), bodyOf(l.answer));
    CPPUNIT_ASSERT(servedStaleWithRefresh(h, "/a"));
    auto served = h.get("/a");
    CPPUNIT_ASSERT(served->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(served->owesRefresh());
    h.advance(1);
    auto refresh = h.cache.beginRefresh(*served);
    CPPUNIT_ASSERT_EQUAL(std::string("\"v1\""),
                         field(refresh->lookup().setRequest, "If-None-Match"));
    Harness::answer(*refresh, 200, h.response("max-age=60", {{"ETag", "\"v2\""}}), "new");
    CacheExchange::Lookup after = h.look("/a");
    CPPUNIT_ASSERT_EQUAL(std::string("new"), bodyOf(after.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=60"),
                         field(after.answer.allHeaders(), "Cache-Status"));
  }

  void theSoftPurgeSettingMakesPurgesSoftUnlessTheRequestSaysNo() {
    Harness h;
    h.settings.purge = true;
    h.settings.softPurge = true;
    h.fill("/a", 200, h.response("max-age=60"), "a");
    h.fill("/b", 200, h.response("max-age=60"), "b");
    purge(h, "/a");
    purge(h, "/b", {{"Fleet-Soft-Purge", "0"}});
    CPPUNIT_ASSERT(servedStaleWithRefresh(h, "/a"));
    CPPUNIT_ASSERT(h.look("/b").step == Step::kForward);
  }

  void aSoftPurgeByTagServesStaleUntilRefreshed() {
    Harness h;
    h.settings.purge = true;
    h.fill("/a", 200, h.response("max-age=60", {{"Surrogate-Key", "t"}}), "old");
    purge(h, "/", {{"Surrogate-Key", "t"}, {"Fleet-Soft-Purge", "on"}});
    CPPUNIT_ASSERT(servedStaleWithRefresh(h, "/a"));
    auto served = h.get("/a");
    served->lookup();
    auto refresh = h.cache.beginRefresh(*served);
    CPPUNIT_ASSERT(refresh->lookup().step == Step::kForward);
    Harness::answer(*refresh, 200, h.response("max-age=60", {{"Surrogate-Key", "t"}}), "new");
    CacheExchange::Lookup after = h.look("/a");
    CPPUNIT_ASSERT_EQUAL(std::string("new"), bodyOf(after.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=60"),
                         field(after.answer.allHeaders(), "Cache-Status"));
  }

  // The soft purge marks the Vary manifest, so every variant; refreshing one variant writes the
  // manifest anew, which must not make the other (still old) variants fresh again.
  void aSoftPurgeOfAVaryingUrlOutlivesTheRefreshOfOneVariant() {
    Harness h;
    h.settings.purge = true;
    HeaderList u1 = {{"Cookie", "u=1"}}, u2 = {{"Cookie", "u=2"}};
    h.fill("/v", 200, h.response("max-age=60", {{"Vary", "Cookie"}}), "old 1", u1);
    h.fill("/v", 200, h.response("max-age=60", {{"Vary", "Cookie"}}), "old 2", u2);
    h.advance(1);
    purge(h, "/v", {{"Fleet-Soft-Purge", "1"}});
    h.advance(1);
    auto served = h.get("/v", u1);
    CPPUNIT_ASSERT(served->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(served->owesRefresh());
    auto refresh = h.cache.beginRefresh(*served);
    refresh->lookup();
    Harness::answer(*refresh, 200, h.response("max-age=60", {{"Vary", "Cookie"}}), "new 1");
    CPPUNIT_ASSERT_EQUAL(std::string("new 1"), bodyOf(h.look("/v", u1).answer));
    CacheExchange::Lookup other = h.look("/v", u2);
    CPPUNIT_ASSERT_EQUAL(std::string("old 2"), bodyOf(other.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=-1; detail=stale-while-revalidate"),
                         field(other.answer.allHeaders(), "Cache-Status"));
  }

  void aPurgeWithoutMemcachedFails() {
    Harness h;
    h.settings.purge = true;
    h.store.down = true;
    CPPUNIT_ASSERT_EQUAL(503, purge(h, "/a").answer.status);
    CPPUNIT_ASSERT_EQUAL(503, purge(h, "/a", {{"Surrogate-Key", "t"}}).answer.status);
  }

  void theStatusPagePurgesByUrlAndByTag() {
    Harness h;
    h.fill("/a?q=1", 200, h.response("max-age=60"), "a");
    h.fill("/b", 200, h.response("max-age=60", {{"Surrogate-Key", "t"}}), "b");
    CPPUNIT_ASSERT_EQUAL(std::string("purged http://example.com:80/a?q=1"),
                         h.cache.purgeFromPage("http", "example.com", 80, "/a?q=1"));
    CPPUNIT_ASSERT_EQUAL(std::string("purged tag t"),
                         h.cache.purgeFromPage("http", "example.com", 80, "tag:t"));
    CPPUNIT_ASSERT(
        contains(h.cache.purgeFromPage("http", "example.com", 80, "a"), "not a URL path"));
    CPPUNIT_ASSERT(h.look("/a?q=1").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/b").step == Step::kForward);
  }

  // A 304 to the refresh says the soft-purged response is current: it is fresh again (not soft
  // purged, and so refreshed, on every request from then on).
  void aSoftPurgeByTagEndsWhenTheRefreshGetsA304() {
    Harness h;
    h.settings.purge = true;
    h.fill("/a", 200, h.response("max-age=60", {{"Surrogate-Key", "t"}, {"ETag", "\"v1\""}}),
           "same");
    h.advance(1);
    purge(h, "/", {{"Surrogate-Key", "t"}, {"Fleet-Soft-Purge", "1"}});
    h.advance(1);
    auto served = h.get("/a");
    CPPUNIT_ASSERT(served->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(served->owesRefresh());
    auto refresh = h.cache.beginRefresh(*served);
    CPPUNIT_ASSERT_EQUAL(std::string("\"v1\""),
                         field(refresh->lookup().setRequest, "If-None-Match"));
    CPPUNIT_ASSERT(refresh->onResponse(304, h.response("max-age=60", {{"ETag", "\"v1\""}})).kind ==
                   Kind::kReplace);
    refresh.reset();
    served.reset();
    auto next = h.get("/a");
    CacheExchange::Lookup l = next->lookup();
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=60"),
                         field(l.answer.allHeaders(), "Cache-Status"));
    CPPUNIT_ASSERT(!next->owesRefresh());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpCachePurgeTest, "cache");
