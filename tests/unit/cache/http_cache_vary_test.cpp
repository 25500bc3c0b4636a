// HttpCache and CacheExchange (shared/cache/exchange.h, exchange_response.cpp): variants by Vary
// (never for Vary: *), invalidation by unsafe methods and method overrides (RFC 9111 4.4), and
// targeted cache control (RFC 9213: Fleet-Cache-Control, CDN-Cache-Control).
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>

#include "tests/unit/cache/engine_harness.h"

using namespace fleet::cache;

using namespace fleet::cache::testing;

class HttpCacheVaryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpCacheVaryTest);
  CPPUNIT_TEST(variantsAreKeptApartByCookie);
  CPPUNIT_TEST(varyStarIsNeverStored);
  CPPUNIT_TEST(varyOnTwoLinesKeepsTwoUsersApart);
  CPPUNIT_TEST(unsafeMethodsThatSucceedInvalidateTheUrl);
  CPPUNIT_TEST(aSuccessInvalidatesLocationsOnTheSameHostOnly);
  CPPUNIT_TEST(aFailedUnsafeRequestInvalidatesNothing);
  CPPUNIT_TEST(aMethodOverrideIsForwardedAndInvalidates);
  CPPUNIT_TEST(fleetCacheControlWinsOverCacheControl);
  CPPUNIT_TEST(cdnCacheControlDecidesWhenFleetCacheControlIsAbsent);
  CPPUNIT_TEST(anEmptyTargetedFieldTurnsOursOff);
  CPPUNIT_TEST(anUncacheableVariantKeepsTheOtherVariantsReachable);
  CPPUNIT_TEST_SUITE_END();

 public:
  void variantsAreKeptApartByCookie() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60", {{"Vary", "Cookie"}}), "A", {{"Cookie", "u=1"}});
    CPPUNIT_ASSERT(h.look("/a", {{"Cookie", "u=2"}}).step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);  // no Cookie at all: another variant
    CacheExchange::Reply r =
        h.fill("/a", 200, h.response("max-age=60", {{"Vary", "Cookie"}}), "B", {{"Cookie", "u=2"}});
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "fwd=vary-miss"));
    CacheExchange::Lookup a = h.look("/a", {{"Cookie", "u=1"}});
    CacheExchange::Lookup b = h.look("/a", {{"Cookie", "u=2"}});
    CPPUNIT_ASSERT(a.step == Step::kServe);
    CPPUNIT_ASSERT(b.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("A"), bodyOf(a.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("B"), bodyOf(b.answer));
  }

  void varyStarIsNeverStored() {
    Harness h;
    const std::vector<HeaderList> varies = {{{"Vary", "*"}},
                                            {{"Vary", "Accept-Encoding, *"}},
                                            {{"Vary", "Accept-Encoding"}, {"Vary", ", *"}}};
    int n = 0;
    for (const HeaderList& vary : varies) {
      std::string target = "/v" + std::to_string(n++);
      CacheExchange::Reply r = h.fill(target, 200, h.response("max-age=60", vary), "x");
      CPPUNIT_ASSERT_MESSAGE(target, r.kind == Kind::kPass);
      CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "detail=vary-star"));
      CPPUNIT_ASSERT(h.look(target).step == Step::kForward);
    }
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.counters->stores.load());
  }

  void varyOnTwoLinesKeepsTwoUsersApart() {
    Harness h;
    HeaderList user1 = {{"Accept-Encoding", "gzip"}, {"Cookie", "user=1"}};
    HeaderList user2 = {{"Accept-Encoding", "gzip"}, {"Cookie", "user=2"}};
    h.fill("/me", 200, h.response("max-age=60", {{"Vary", "Accept-Encoding"}, {"Vary", "Cookie"}}),
           "user1", user1);
    CPPUNIT_ASSERT(h.look("/me", user2).step == Step::kForward);
    CacheExchange::Lookup l = h.look("/me", user1);
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("user1"), bodyOf(l.answer));
  }

  void unsafeMethodsThatSucceedInvalidateTheUrl() {
    const std::vector<std::pair<std::string, int>> cases = {
        {"POST", 200}, {"PUT", 201}, {"DELETE", 204}, {"FROB", 303}};
    for (const auto& [method, status] : cases) {
      Harness h;
      h.fill("/a", 200, h.response("max-age=60"), "x");
      auto ex = h.begin(method, "/a");
      CPPUNIT_ASSERT_MESSAGE(method, ex->lookup().step == Step::kForward);
      CPPUNIT_ASSERT(ex->onResponse(status, h.response("")).kind == Kind::kPass);
      ex.reset();
      CPPUNIT_ASSERT_MESSAGE(method, h.look("/a").step == Step::kForward);
    }
  }

  void aSuccessInvalidatesLocationsOnTheSameHostOnly() {
    Harness h;
    for (const char* t : {"/a", "/b", "/c", "/d"}) {
      h.fill(t, 200, h.response("max-age=60"), t);
    }
    auto ex = h.begin("POST", "/a");
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    ex->onResponse(
        201, h.response("", {{"Location", "http://EXAMPLE.com/b"}, {"Content-Location", "/c"}}));
    ex.reset();
    ex = h.begin("POST", "/a");
    ex->lookup();
    ex->onResponse(303, h.response("", {{"Location", "http://other.example/d"}}));
    ex.reset();
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/b").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/c").step == Step::kForward);
    CPPUNIT_ASSERT(h.look("/d").step == Step::kServe);
  }

  void aFailedUnsafeRequestInvalidatesNothing() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60"), "x");
    h.fill("/b", 200, h.response("max-age=60"), "x");
    for (int status : {500, 404}) {
      auto ex = h.begin("POST", "/a");
      CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
      ex->onResponse(status, h.response("", {{"Location", "/b"}}));
    }
    CPPUNIT_ASSERT(h.look("/a").step == Step::kServe);
    CPPUNIT_ASSERT(h.look("/b").step == Step::kServe);
  }

  void aMethodOverrideIsForwardedAndInvalidates() {
    for (const char* name : {"X-HTTP-Method-Override", "x_http_method", "X-Method-Override"}) {
      Harness h;
      h.fill("/a", 200, h.response("max-age=60"), "x");
      auto ex = h.get("/a", {{name, "DELETE"}});
      CacheExchange::Lookup l = ex->lookup();
      CPPUNIT_ASSERT_MESSAGE(name, l.step == Step::kForward);
      CPPUNIT_ASSERT(ex->onResponse(200, h.response("max-age=60")).kind ==
                     Kind::kPass);  // not stored either
      ex.reset();
      CPPUNIT_ASSERT_MESSAGE(name, h.look("/a").step == Step::kForward);
    }
  }

  void fleetCacheControlWinsOverCacheControl() {
    Harness h;
    CacheExchange::Reply r = h.fill("/a", 200,
                                    h.response("no-store", {{"Fleet-Cache-Control", "max-age=30"},
                                                            {"CDN-Cache-Control", "max-age=45"}}),
                                    "x");
    CPPUNIT_ASSERT(r.kind == Kind::kStore);
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "stored; ttl=30"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), r.unsetResponse.size());
    CPPUNIT_ASSERT_EQUAL(std::string("Fleet-Cache-Control"), r.unsetResponse[0]);
    h.advance(29);
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT(!hasField(l.answer.allHeaders(), "Fleet-Cache-Control"));
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), field(l.answer.allHeaders(), "Cache-Control"));
    h.advance(1);
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
  }

  void cdnCacheControlDecidesWhenFleetCacheControlIsAbsent() {
    Harness h;
    CacheExchange::Reply r =
        h.fill("/a", 200, h.response("no-store", {{"CDN-Cache-Control", "max-age=45"}}), "x");
    CPPUNIT_ASSERT(r.kind == Kind::kStore);
    CPPUNIT_ASSERT(contains(field(r.setResponse, "Cache-Status"), "stored; ttl=45"));
    r = h.fill("/b", 200, h.response("max-age=600", {{"CDN-Cache-Control", "no-store"}}), "x");
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
    h.settings.limits.cdnCacheControl = false;
    r = h.fill("/c", 200, h.response("no-store", {{"CDN-Cache-Control", "max-age=45"}}), "x");
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
  }

  void anEmptyTargetedFieldTurnsOursOff() {
    Harness h;
    h.settings.limits.targetedField = "";
    CacheExchange::Reply r =
        h.fill("/a", 200, h.response("no-store", {{"Fleet-Cache-Control", "max-age=30"}}), "x");
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
    CPPUNIT_ASSERT(r.unsetResponse.empty());
    r = h.fill("/b", 200, h.response("max-age=60", {{"Fleet-Cache-Control", "no-store"}}), "x");
    CPPUNIT_ASSERT(r.kind == Kind::kStore);
    CPPUNIT_ASSERT(r.unsetResponse.empty());
  }

  // A logged-in user's private variant says nothing about the anonymous one: its hit-for-miss
  // marker must not take the place of the Vary manifest every variant is reached through.
  void anUncacheableVariantKeepsTheOtherVariantsReachable() {
    Harness h;
    h.fill("/v", 200, h.response("max-age=60", {{"Vary", "Cookie"}}), "public page");
    CacheExchange::Reply r = h.fill("/v", 200, h.response("private", {{"Vary", "Cookie"}}),
                                    "your page", {{"Cookie", "session=1"}});
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
    CacheExchange::Lookup l = h.look("/v");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("public page"), bodyOf(l.answer));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpCacheVaryTest, "cache");
