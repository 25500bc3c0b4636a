// HttpCache and CacheExchange (shared/cache/http_cache.h, exchange.h): a miss stored and served,
// HEAD from a stored GET, freshness from a received Age and from Expires, the statuses stored by
// default (cache-poisoning denial of service), only-if-cached and a client's no-cache.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>

#include "tests/unit/cache/engine_harness.h"

using namespace fleet::cache;

using namespace fleet::cache::testing;

class HttpCacheHitTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpCacheHitTest);
  CPPUNIT_TEST(aMissIsForwardedStoredAndThenServed);
  CPPUNIT_TEST(headIsServedFromAStoredGetWithoutABody);
  CPPUNIT_TEST(aReceivedAgeShortensTheFreshness);
  CPPUNIT_TEST(anAgeAsLargeAsMaxAgeIsStaleAtOnce);
  CPPUNIT_TEST(anUnreadableOrHugeAgeIsStaleAtOnce);
  CPPUNIT_TEST(aValidExpiresIsFresh);
  CPPUNIT_TEST(aMalformedExpiresIsStaleAtOnce);
  CPPUNIT_TEST(expiresOnTwoLinesIsStaleAtOnce);
  CPPUNIT_TEST(errorStatusesAreNotStoredByDefault);
  CPPUNIT_TEST(aStatusAddedToTheSetIsStored);
  CPPUNIT_TEST(onlyIfCachedWithNothingStoredIsAGatewayTimeout);
  CPPUNIT_TEST(aRequestNoCacheGoesToTheMember);
  CPPUNIT_TEST(aMatchingConditionalHitIs304);
  CPPUNIT_TEST(quickOnlyServesOnlyFreshPublicHits);
  CPPUNIT_TEST(aRequestNoStoreIsNotStored);
  CPPUNIT_TEST_SUITE_END();

  static const char* etag() { return "\"e1\""; }

 public:
  void aMissIsForwardedStoredAndThenServed() {
    Harness h;
    auto ex = h.get("/a");
    CacheExchange::Lookup l = ex->lookup();
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CacheExchange::Reply r = ex->onResponse(200, h.response("max-age=60"));
    CPPUNIT_ASSERT(r.kind == Kind::kStore);
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; fwd=uri-miss; stored; ttl=60"),
                         field(r.setResponse, "Cache-Status"));
    CPPUNIT_ASSERT(ex->append("hello "));
    CPPUNIT_ASSERT(ex->append("world"));
    ex->finish();
    ex.reset();
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->stores.load());

    h.advance(10);
    l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(200, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("hello world"), bodyOf(l.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("11"), field(l.answer.allHeaders(), "Content-Length"));
    CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), field(l.answer.allHeaders(), "Content-Type"));
    CPPUNIT_ASSERT_EQUAL(std::string("10"), field(l.answer.allHeaders(), "Age"));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=50"),
                         field(l.answer.allHeaders(), "Cache-Status"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->hits.load());
    CPPUNIT_ASSERT(h.look("/b").step == Step::kForward);  // another URL is not this one
  }

  void headIsServedFromAStoredGetWithoutABody() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60"), "0123456789");
    CacheExchange::Lookup l = h.look("/a", {}, "HEAD");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(200, l.answer.status);
    CPPUNIT_ASSERT(l.answer.body.empty());
    CPPUNIT_ASSERT_EQUAL(std::string("10"), field(l.answer.allHeaders(), "Content-Length"));
    CPPUNIT_ASSERT(contains(field(l.answer.allHeaders(), "Cache-Status"), "hit"));
  }

  void aReceivedAgeShortensTheFreshness() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60", {{"Age", "50"}, {"ETag", etag()}}), "x");
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("50"), field(l.answer.allHeaders(), "Age"));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=10"),
                         field(l.answer.allHeaders(), "Cache-Status"));
    h.advance(9);
    l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("59"), field(l.answer.allHeaders(), "Age"));
    h.advance(2);
    l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(std::string(etag()), field(l.setRequest, "If-None-Match"));
  }

  void anAgeAsLargeAsMaxAgeIsStaleAtOnce() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60", {{"Age", "60"}, {"ETag", etag()}}), "x");
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(std::string(etag()), field(l.setRequest, "If-None-Match"));
    h.fill("/b", 200, h.response("max-age=60", {{"Age", "59"}, {"ETag", etag()}}), "x");
    CPPUNIT_ASSERT(h.look("/b").step == Step::kServe);  // one second left
  }

  void anUnreadableOrHugeAgeIsStaleAtOnce() {
    Harness h;
    const std::vector<HeaderList> ages = {{{"Age", "old, 0"}},
                                          {{"Age", "99999999999"}},
                                          {{"Age", "old"}, {"Age", "0"}},
                                          {{"Age", "-1"}}};
    int n = 0;
    for (const HeaderList& age : ages) {
      std::string target = "/a" + std::to_string(n++);
      HeaderList extra = age;
      extra.emplace_back("ETag", etag());
      h.fill(target, 200, h.response("max-age=60", extra), "x");
      CacheExchange::Lookup l = h.look(target);
      CPPUNIT_ASSERT_MESSAGE(age[0].second, l.step == Step::kForward);
      CPPUNIT_ASSERT_EQUAL(std::string(etag()), field(l.setRequest, "If-None-Match"));
    }
  }

  void aValidExpiresIsFresh() {
    Harness h;
    h.fill("/a", 200,
           h.response("", {{"Expires", "Mon, 30 Nov 2026 01:53:20 GMT"}, {"ETag", etag()}}), "x");
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=3600"),
                         field(l.answer.allHeaders(), "Cache-Status"));
  }

  void aMalformedExpiresIsStaleAtOnce() {
    Harness h;
    for (const char* expires : {"Mon, 30 Nov 2026 1:53:20 GMT", "Mon,  30 Nov 2026 01:53:20 GMT",
                                "Mon 30 Nov 2026 01:53:20 GMT", "Mon, 30 Nov 2026 01:53:20 UTC"}) {
      std::string target = std::string("/") + expires;
      h.fill(target, 200, h.response("", {{"Expires", expires}, {"ETag", etag()}}), "x");
      CacheExchange::Lookup l = h.look(target);
      CPPUNIT_ASSERT_MESSAGE(expires, l.step == Step::kForward);
      CPPUNIT_ASSERT_EQUAL(std::string(etag()), field(l.setRequest, "If-None-Match"));
    }
  }

  void expiresOnTwoLinesIsStaleAtOnce() {
    Harness h;
    h.fill("/a", 200,
           h.response("", {{"Expires", "Mon, 30 Nov 2026 01:53:20 GMT"},
                           {"Expires", "Mon, 30 Nov 2026 01:53:20 GMT"},
                           {"ETag", etag()}}),
           "x");
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(std::string(etag()), field(l.setRequest, "If-None-Match"));
  }

  void errorStatusesAreNotStoredByDefault() {
    Harness h;
    for (int status : {400, 403, 405, 412, 500}) {
      std::string target = "/e" + std::to_string(status);
      CacheExchange::Reply r = h.fill(target, status, h.response("max-age=60"), "error");
      CPPUNIT_ASSERT(r.kind == Kind::kPass);
      CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "detail=status"));
      CPPUNIT_ASSERT_MESSAGE(std::to_string(status), h.look(target).step == Step::kForward);
    }
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.counters->stores.load());
  }

  void aStatusAddedToTheSetIsStored() {
    Harness h;
    h.settings.limits.statuses = StatusSet::parse({"default", "400"}).value();
    CacheExchange::Reply r = h.fill("/e", 400, h.response("max-age=60"), "bad");
    CPPUNIT_ASSERT(r.kind == Kind::kStore);
    CacheExchange::Lookup l = h.look("/e");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(400, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("bad"), bodyOf(l.answer));
    r = h.fill("/f", 403, h.response("max-age=60"), "no");  // still not in the set
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
  }

  void onlyIfCachedWithNothingStoredIsAGatewayTimeout() {
    Harness h;
    CPPUNIT_ASSERT(h.look("/a", {{"Cache-Control", "only-if-cached"}}).step ==
                   Step::kGatewayTimeout);
    h.fill("/a", 200, h.response("max-age=60"), "x");
    CPPUNIT_ASSERT(h.look("/a", {{"Cache-Control", "only-if-cached"}}).step == Step::kServe);
  }

  void aRequestNoCacheGoesToTheMember() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60", {{"ETag", etag()}}), "x");
    auto ex = h.get("/a", {{"Cache-Control", "no-cache"}});
    CacheExchange::Lookup l = ex->lookup();
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(std::string(etag()), field(l.setRequest, "If-None-Match"));
    CacheExchange::Reply r = Harness::answer(*ex, 200, h.response("max-age=60"), "y");
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "fwd=request"));
    ex.reset();
    ex = h.get("/b", {{"Cache-Control", "no-cache"}});  // nothing stored
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    r = Harness::answer(*ex, 200, h.response("max-age=60"), "y");
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "fwd=request"));
  }

  void aMatchingConditionalHitIs304() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60", {{"ETag", etag()}}), "x");
    CacheExchange::Lookup l = h.look("/a", {{"If-None-Match", std::string("\"zz\", ") + etag()}});
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(304, l.answer.status);
    CPPUNIT_ASSERT(l.answer.body.empty());
    CPPUNIT_ASSERT_EQUAL(std::string(etag()), field(l.answer.allHeaders(), "ETag"));
    CPPUNIT_ASSERT_EQUAL(200, h.look("/a", {{"If-None-Match", "\"zz\""}}).answer.status);
  }

  void quickOnlyServesOnlyFreshPublicHits() {
    Harness h;
    h.fill("/pub", 200, h.response("public, max-age=60"), "p");
    h.fill("/plain", 200, h.response("max-age=60"), "q");
    CPPUNIT_ASSERT(h.get("/pub")->lookup(true).step == Step::kServe);
    CPPUNIT_ASSERT(h.get("/plain")->lookup(true).step == Step::kDecline);
    auto miss = h.get("/none");
    CPPUNIT_ASSERT(miss->lookup(true).step == Step::kDecline);
    CPPUNIT_ASSERT(!h.store.has(h.keys.missLease(primaryKey("http", "example.com", 80, "/none"))));
    CPPUNIT_ASSERT(miss->lookup().step == Step::kForward);  // the normal lookup, later
    h.advance(61);
    CPPUNIT_ASSERT(h.get("/pub")->lookup(true).step == Step::kDecline);
  }

  // RFC 9111 3: a response to a request carrying no-store is not stored.
  void aRequestNoStoreIsNotStored() {
    Harness h;
    CacheExchange::Reply r =
        h.fill("/a", 200, h.response("max-age=60"), "x", {{"Cache-Control", "no-store"}});
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpCacheHitTest, "cache");
