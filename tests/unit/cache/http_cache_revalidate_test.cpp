// HttpCache and CacheExchange (shared/cache/exchange.h): revalidation of a stale stored response
// (a member's 304 freshens it), stale-if-error when the member fails and the directives that
// forbid it, stale-while-revalidate with its fleet-wide refresh lease, and what a failed or
// request-specific member answer leaves behind.
#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <memory>
#include <string>

#include "tests/unit/cache/engine_harness.h"

using namespace fleet::cache;

using namespace fleet::cache::testing;

class HttpCacheRevalidateTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpCacheRevalidateTest);
  CPPUNIT_TEST(a304FreshensTheStoredResponseAndAnswersWithIt);
  CPPUNIT_TEST(staleIfErrorAnswersA502Or503WithTheStoredResponse);
  CPPUNIT_TEST(staleIfErrorEndsWithItsWindow);
  CPPUNIT_TEST(mustRevalidatePassesTheMembersError);
  CPPUNIT_TEST(sMaxAgePassesTheMembersError);
  CPPUNIT_TEST(proxyRevalidatePassesTheMembersError);
  CPPUNIT_TEST(noCachePassesTheMembersError);
  CPPUNIT_TEST(staleWhileRevalidateServesAndOneExchangeOwesTheRefresh);
  CPPUNIT_TEST(theRefreshAsksWithValidatorsAndItsAnswerIsServedFresh);
  CPPUNIT_TEST(theRefreshLeaseIsGivenBackWhenTheExchangeEnds);
  CPPUNIT_TEST(aSecondRefreshIsSkippedWhenAnotherRequestRefreshedFirst);
  CPPUNIT_TEST(aMemberErrorKeepsTheStaleResponseForTheNextRevalidation);
  CPPUNIT_TEST(aRejectedNoCacheRequestDoesNotEvictAFreshResponse);
  CPPUNIT_TEST(aFailedRefreshKeepsTheStaleResponseServable);
  CPPUNIT_TEST(aClientsOwnConditionalRequestLeavesNoHitForMissMarker);
  CPPUNIT_TEST_SUITE_END();

  static std::string v1() { return "\"v1\""; }

  // A response stored with these directives and an ETag, gone stale by 61 s; then a GET whose
  // member answers `status`.
  static CacheExchange::Reply errorAfterStale(Harness& h, const std::string& cc, int status) {
    h.fill("/a", 200, h.response(cc, {{"ETag", v1()}}), "stored");
    h.advance(61);
    auto ex = h.get("/a");
    CacheExchange::Lookup l = ex->lookup();
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(v1(), field(l.setRequest, "If-None-Match"));
    return Harness::answer(*ex, status, h.response("", {}), "member error");
  }

 public:
  void a304FreshensTheStoredResponseAndAnswersWithIt() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60", {{"ETag", v1()}, {"X-Custom", "old"}}), "body");
    h.advance(61);
    auto ex = h.get("/a");
    CacheExchange::Lookup l = ex->lookup();
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(v1(), field(l.setRequest, "If-None-Match"));
    CacheExchange::Reply r = ex->onResponse(304, {{"Cache-Control", "max-age=120"},
                                                  {"Date", formatHttpDate(h.now())},
                                                  {"ETag", v1()},
                                                  {"X-Custom", "new"}});
    CPPUNIT_ASSERT(r.kind == Kind::kReplace);
    CPPUNIT_ASSERT_EQUAL(200, r.replacement.status);
    CPPUNIT_ASSERT_EQUAL(std::string("new"), field(r.replacement.allHeaders(), "X-Custom"));
    CPPUNIT_ASSERT_EQUAL(std::string("body"), bodyOf(r.replacement));
    CPPUNIT_ASSERT(
        contains(field(r.replacement.allHeaders(), "Cache-Status"), "fwd=stale; fwd-status=304"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->revalidated.load());
    ex.reset();

    h.advance(100);  // fresh for 120 s now, not 60
    l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("new"), field(l.answer.allHeaders(), "X-Custom"));
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=120"), field(l.answer.allHeaders(), "Cache-Control"));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=20"),
                         field(l.answer.allHeaders(), "Cache-Status"));
    CPPUNIT_ASSERT_EQUAL(std::string("body"), bodyOf(l.answer));
  }

  void staleIfErrorAnswersA502Or503WithTheStoredResponse() {
    for (int status : {502, 503}) {
      Harness h;
      CacheExchange::Reply r = errorAfterStale(h, "max-age=60, stale-if-error=300", status);
      CPPUNIT_ASSERT(r.kind == Kind::kReplace);
      CPPUNIT_ASSERT_EQUAL(200, r.replacement.status);
      CPPUNIT_ASSERT_EQUAL(std::string("stored"), bodyOf(r.replacement));
      CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=-1; detail=stale-if-error"),
                           field(r.replacement.allHeaders(), "Cache-Status"));
      CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->staleServed.load());
    }
  }

  void staleIfErrorEndsWithItsWindow() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60, stale-if-error=30", {{"ETag", v1()}}), "stored");
    h.advance(91);  // 31 s past freshness
    auto ex = h.get("/a");
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(ex->onResponse(503, h.response("")).kind == Kind::kPass);
  }

  void mustRevalidatePassesTheMembersError() {
    Harness h;
    CPPUNIT_ASSERT(
        errorAfterStale(h, "max-age=60, must-revalidate, stale-if-error=300", 502).kind ==
        Kind::kPass);
  }
  void sMaxAgePassesTheMembersError() {
    Harness h;
    CPPUNIT_ASSERT(errorAfterStale(h, "s-maxage=60, stale-if-error=300", 502).kind == Kind::kPass);
  }
  void proxyRevalidatePassesTheMembersError() {
    Harness h;
    CPPUNIT_ASSERT(
        errorAfterStale(h, "max-age=60, proxy-revalidate, stale-if-error=300", 502).kind ==
        Kind::kPass);
  }
  // RFC 9111 4.2.4: no-cache forbids generating a stale response, stale-if-error included.
  void noCachePassesTheMembersError() {
    Harness h;
    CPPUNIT_ASSERT(errorAfterStale(h, "max-age=60, no-cache, stale-if-error=300", 502).kind ==
                   Kind::kPass);
  }

  void staleWhileRevalidateServesAndOneExchangeOwesTheRefresh() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60, stale-while-revalidate=30", {{"ETag", v1()}}), "old");
    h.advance(70);
    auto e1 = h.get("/a");
    auto e2 = h.get("/a");
    CacheExchange::Lookup l1 = e1->lookup();
    CacheExchange::Lookup l2 = e2->lookup();
    CPPUNIT_ASSERT(l1.step == Step::kServe);
    CPPUNIT_ASSERT(l2.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("old"), bodyOf(l2.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=-10; detail=stale-while-revalidate"),
                         field(l1.answer.allHeaders(), "Cache-Status"));
    CPPUNIT_ASSERT(e1->owesRefresh() != e2->owesRefresh());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), h.counters->staleServed.load());
    h.advance(21);  // 31 s stale: past the window
    CPPUNIT_ASSERT(h.look("/a").step == Step::kForward);
  }

  void theRefreshAsksWithValidatorsAndItsAnswerIsServedFresh() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60, stale-while-revalidate=30", {{"ETag", v1()}}), "old");
    h.advance(70);
    auto served = h.get("/a", {{"Cache-Control", "max-stale=0"}, {"Range", "bytes=0-1"}});
    CPPUNIT_ASSERT(served->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(served->owesRefresh());
    std::unique_ptr<CacheExchange> refresh = h.cache.beginRefresh(*served);
    CacheExchange::Lookup l = refresh->lookup();
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(v1(), field(l.setRequest, "If-None-Match"));
    CPPUNIT_ASSERT(std::find(l.unsetRequest.begin(), l.unsetRequest.end(), "Range") !=
                   l.unsetRequest.end());
    CacheExchange::Reply r = Harness::answer(
        *refresh, 200, h.response("max-age=60, stale-while-revalidate=30", {{"ETag", "\"v2\""}}),
        "new");
    CPPUNIT_ASSERT(r.kind == Kind::kStore);
    refresh.reset();
    served.reset();
    CacheExchange::Lookup after = h.look("/a");
    CPPUNIT_ASSERT(after.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("new"), bodyOf(after.answer));
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; hit; ttl=60"),
                         field(after.answer.allHeaders(), "Cache-Status"));
  }

  void theRefreshLeaseIsGivenBackWhenTheExchangeEnds() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60, stale-while-revalidate=30"), "old");
    h.advance(70);
    auto e1 = h.get("/a");
    CPPUNIT_ASSERT(e1->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(e1->owesRefresh());
    e1.reset();  // it never refreshed: the next one owes it
    auto e2 = h.get("/a");
    CPPUNIT_ASSERT(e2->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(e2->owesRefresh());
  }

  // The race fixed before: one request refreshes and gives the lease back; another that had
  // looked up the stale copy just before wins the lease afterwards. It must not refresh again.
  void aSecondRefreshIsSkippedWhenAnotherRequestRefreshedFirst() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60, stale-while-revalidate=30"), "old");
    h.advance(70);
    auto first = h.get("/a");
    CPPUNIT_ASSERT(first->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(first->refreshStillNeeded());
    std::unique_ptr<CacheExchange> refresh = h.cache.beginRefresh(*first);
    CPPUNIT_ASSERT(refresh->lookup().step == Step::kForward);
    auto late = h.get("/a");
    // `late` reads the stale copy now, and takes the lease only once `first` gave it back.
    h.hooked.afterNextRead = [&] {
      Harness::answer(*refresh, 200, h.response("max-age=60, stale-while-revalidate=30"), "new");
      refresh.reset();
      first.reset();
    };
    CPPUNIT_ASSERT(late->lookup().step == Step::kServe);
    CPPUNIT_ASSERT(late->owesRefresh());
    CPPUNIT_ASSERT(!late->refreshStillNeeded());  // the stored copy is not the one it saw
    CPPUNIT_ASSERT(!late->owesRefresh());         // and the lease is free again
    CPPUNIT_ASSERT_EQUAL(std::string("new"), bodyOf(h.look("/a").answer));
  }

  // An error from the member says nothing about the stored response: it stays, with its
  // validators, for the next request to revalidate (not a hit-for-miss marker in its place).
  void aMemberErrorKeepsTheStaleResponseForTheNextRevalidation() {
    Harness h;
    CPPUNIT_ASSERT(errorAfterStale(h, "max-age=60, must-revalidate", 502).kind == Kind::kPass);
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(v1(), field(l.setRequest, "If-None-Match"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.counters->hitForMiss.load());
  }

  // One client's request that the member rejects (an oversized header: 400) must not take a
  // fresh response out of the cache for everyone.
  void aRejectedNoCacheRequestDoesNotEvictAFreshResponse() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60"), "good");
    auto ex = h.get("/a", {{"Cache-Control", "no-cache"}, {"X-Huge", std::string(9000, 'x')}});
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(Harness::answer(*ex, 400, h.response(""), "too large").kind == Kind::kPass);
    ex.reset();
    CacheExchange::Lookup l = h.look("/a");
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("good"), bodyOf(l.answer));
  }

  void aFailedRefreshKeepsTheStaleResponseServable() {
    Harness h;
    h.fill("/a", 200, h.response("max-age=60, stale-while-revalidate=60", {{"ETag", v1()}}), "old");
    h.advance(70);
    auto served = h.get("/a");
    CPPUNIT_ASSERT(served->lookup().step == Step::kServe);
    std::unique_ptr<CacheExchange> refresh = h.cache.beginRefresh(*served);
    CPPUNIT_ASSERT(refresh->lookup().step == Step::kForward);
    Harness::answer(*refresh, 503, h.response(""), "down");
    refresh.reset();
    served.reset();
    CacheExchange::Lookup l = h.look("/a");  // still within stale-while-revalidate
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(std::string("old"), bodyOf(l.answer));
  }

  // A 304 answers this client's own validator: nothing about the URL, so no hit-for-miss marker
  // (which would keep the next requests from coalescing and mark them "hit-for-miss").
  void aClientsOwnConditionalRequestLeavesNoHitForMissMarker() {
    Harness h;
    auto ex = h.get("/a", {{"If-None-Match", v1()}});
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    Harness::answer(*ex, 304, h.response("max-age=60", {{"ETag", v1()}}), "");
    ex.reset();
    ex = h.get("/a");
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CacheExchange::Reply r =
        Harness::answer(*ex, 200, h.response("max-age=60", {{"ETag", v1()}}), "x");
    CPPUNIT_ASSERT(!contains(field(r.setResponse, "Cache-Status"), "hit-for-miss"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.counters->hitForMiss.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpCacheRevalidateTest, "cache");
