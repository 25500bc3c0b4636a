#include "shared/cache/policy.h"

#include <cppunit/extensions/HelperMacros.h>

#include "shared/cache/http_date.h"

using namespace fleet::cache;
namespace common = fleet::common;

namespace {
const int64_t T = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
const std::string kDate = "Sun, 06 Nov 1994 08:49:37 GMT";

ResponseFacts ok(const std::string& cc = "") {
  ResponseFacts r;
  r.status = 200;
  r.cacheControl = cc;
  r.date = T;
  return r;
}
}  // namespace

class PolicyTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PolicyTest);
  CPPUNIT_TEST(unsafeMethodsInvalidate);
  CPPUNIT_TEST(storability);
  CPPUNIT_TEST(configuredStatusesLimitStorability);
  CPPUNIT_TEST(methodOverrideFieldsInEverySpelling);
  CPPUNIT_TEST(freshnessLifetimes);
  CPPUNIT_TEST(ageArithmetic);
  CPPUNIT_TEST(requestDirectives);
  CPPUNIT_TEST(staleServing);
  CPPUNIT_TEST(conditionalRequests);
  CPPUNIT_TEST_SUITE_END();

 public:
  void storability() {
    struct Case {
      std::string method;
      int status;
      std::string cc;
      std::string expires;
      bool auth;
      bool cookie;
      std::string vary;
      std::string why;
    };
    const Case cases[] = {
        {"GET", 200, "", "", false, false, "", ""},  // heuristically cacheable
        {"POST", 200, "max-age=60", "", false, false, "", "method"},
        {"GET", 200, "no-store", "", false, false, "", "no-store"},
        {"GET", 200, "private, max-age=60", "", false, false, "", "private"},
        {"GET", 200, "private=\"X-User\", max-age=60", "", false, false, "", ""},
        {"GET", 302, "", "", false, false, "", "status"},  // needs explicit freshness
        {"GET", 302, "max-age=60", "", false, false, "", ""},
        {"GET", 206, "max-age=60", "", false, false, "", "status"},
        {"GET", 404, "", "", false, false, "", ""},
        {"GET", 200, "max-age=60", "", true, false, "", "authorization"},
        {"GET", 200, "max-age=60, public", "", true, false, "", ""},
        {"GET", 200, "s-maxage=60", "", true, false, "", ""},
        {"GET", 200, "max-age=60, must-revalidate", "", true, false, "", ""},
        {"GET", 200, "max-age=60", "", false, true, "", "set-cookie"},
        {"GET", 200, "max-age=60, no-cache=\"Set-Cookie\"", "", false, true, "", ""},
        {"GET", 200, "max-age=60", "", false, false, "*", "vary-star"},
        {"GET", 200, "max-age=60", "", false, false, "Accept-Encoding, *", "vary-star"},
        // Statuses one client can provoke are not shared by default, whatever the member says
        // (cache-poisoning denial of service): 400, 403, 405, 412, 500...
        {"GET", 500, "", "Sun, 06 Nov 1994 09:49:37 GMT", false, false, "", "status"},
        {"GET", 400, "max-age=60", "", false, false, "", "status"},
        {"GET", 405, "max-age=60", "", false, false, "", "status"},
        {"GET", 412, "max-age=60", "", false, false, "", "status"},
        {"GET", 410, "max-age=60", "", false, false, "", ""},
        {"GET", 301, "", "", false, false, "", ""},
    };
    for (const Case& c : cases) {
      ResponseFacts r = ok(c.cc);
      r.status = c.status;
      r.hasExpires = !c.expires.empty();
      r.expires = parseHttpDate(c.expires, T);
      r.hasAuthorizationRequest = c.auth;
      r.hasSetCookie = c.cookie;
      r.vary = c.vary;
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.method + " " + std::to_string(c.status) + " " + c.cc, c.why,
                                   whyNotStorable(c.method, r));
    }
  }
  void configuredStatusesLimitStorability() {
    Limits l;
    l.statuses = StatusSet::parse({"default", "500"}).value();
    ResponseFacts r = ok("max-age=60");
    r.status = 500;
    CPPUNIT_ASSERT_EQUAL(std::string(""), whyNotStorable("GET", r, l));
    r.status = 502;
    CPPUNIT_ASSERT_EQUAL(std::string("status"), whyNotStorable("GET", r, l));
    r.status = 500;
    CPPUNIT_ASSERT_EQUAL(std::string("status"), whyNotStorable("GET", r, Limits()));
  }
  void methodOverrideFieldsInEverySpelling() {
    for (const char* n :
         {"X-HTTP-Method-Override", "x-http-method-override", "X_HTTP_Method_Override",
          "X.HTTP.Method.Override", "X-HTTP-Method", "X-Method-Override", "x_method_override"}) {
      CPPUNIT_ASSERT_MESSAGE(n, isMethodOverrideField(n));
    }
    for (const char* n : {"X-HTTP-Methods", "Method", "X-Override", "Content-Type", ""}) {
      CPPUNIT_ASSERT_MESSAGE(n, !isMethodOverrideField(n));
    }
  }
  void freshnessLifetimes() {
    Limits l;
    CPPUNIT_ASSERT_EQUAL(int64_t(120), freshnessLifetime(ok("max-age=60, s-maxage=120"), l));
    CPPUNIT_ASSERT_EQUAL(int64_t(60), freshnessLifetime(ok("max-age=60"), l));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), freshnessLifetime(ok("max-age=0"), l));
    CPPUNIT_ASSERT_EQUAL(int64_t(0),
                         freshnessLifetime(ok("max-age=60, max-age=30"), l));  // conflicting
    ResponseFacts e = ok();
    e.hasExpires = true;
    e.expires = T + 3600;
    CPPUNIT_ASSERT_EQUAL(int64_t(3600), freshnessLifetime(e, l));
    e.expires.reset();  // present but invalid: already expired
    CPPUNIT_ASSERT_EQUAL(int64_t(0), freshnessLifetime(e, l));
    e.cacheControl = "max-age=10";  // max-age wins over Expires
    CPPUNIT_ASSERT_EQUAL(int64_t(10), freshnessLifetime(e, l));
    ResponseFacts h = ok();
    h.lastModified = T - 7200;                                    // two hours before Date
    CPPUNIT_ASSERT_EQUAL(int64_t(720), freshnessLifetime(h, l));  // 10 %
    h.lastModified = T - 10 * 365 * 86400;
    CPPUNIT_ASSERT_EQUAL(int64_t(86400), freshnessLifetime(h, l));  // capped
    // A targeted field decides alone: no Expires, no heuristic.
    ResponseFacts t = ok("public");
    t.targeted = true;
    t.hasExpires = true;
    t.expires = T + 3600;
    t.lastModified = T - 7200;
    CPPUNIT_ASSERT_EQUAL(int64_t(0), freshnessLifetime(t, l));
    t.cacheControl = "max-age=30";
    CPPUNIT_ASSERT_EQUAL(int64_t(30), freshnessLifetime(t, l));
    h.status = 302;  // not heuristically cacheable
    CPPUNIT_ASSERT_EQUAL(int64_t(0), freshnessLifetime(h, l));
  }
  void ageArithmetic() {
    ResponseFacts r = ok("max-age=100");
    // Stored at T+2 for a request sent at T+1 (1 s delay), Age 10 from upstream: 11 at arrival.
    r.age = 10;
    CPPUNIT_ASSERT_EQUAL(int64_t(11), currentAge(r, T + 1, T + 2, T + 2));
    CPPUNIT_ASSERT_EQUAL(int64_t(41), currentAge(r, T + 1, T + 2, T + 32));
    // A Date behind the cache's clock counts as apparent age.
    r.age = 0;
    r.date = T - 30;
    CPPUNIT_ASSERT_EQUAL(int64_t(32), currentAge(r, T, T + 2, T + 2));
    // An Age at or beyond the lifetime makes the response stale at once (RFC 9111 4.2.3).
    Limits l;
    ResponseFacts aged = ok("max-age=60");
    aged.age = 60;
    CPPUNIT_ASSERT(decide(aged, T, T, "", "", T, l).verdict == Verdict::kMustRevalidate);
    aged.age = 59;
    CPPUNIT_ASSERT(decide(aged, T, T, "", "", T, l).verdict == Verdict::kFresh);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), decide(aged, T, T, "", "", T, l).ttl);
    aged.age = kInvalidAge;
    CPPUNIT_ASSERT(decide(aged, T, T, "", "", T, l).verdict == Verdict::kMustRevalidate);
  }
  void unsafeMethodsInvalidate() {
    for (const char* safe : {"GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "REPORT", "SEARCH"}) {
      CPPUNIT_ASSERT_MESSAGE(safe, isSafeMethod(safe));
    }
    for (const char* unsafe :
         {"POST", "PUT", "DELETE", "PATCH", "MKCOL", "LOCK", "FROB", "get", ""}) {
      CPPUNIT_ASSERT_MESSAGE(unsafe, !isSafeMethod(unsafe));
    }
  }
  void requestDirectives() {
    Limits l;
    ResponseFacts r = ok("max-age=100");
    CPPUNIT_ASSERT(decide(r, T, T, "", "", T + 10, l).verdict == Verdict::kFresh);
    CPPUNIT_ASSERT_EQUAL(int64_t(90), decide(r, T, T, "", "", T + 10, l).ttl);
    CPPUNIT_ASSERT(decide(r, T, T, "no-cache", "", T + 10, l).verdict == Verdict::kMustRevalidate);
    CPPUNIT_ASSERT(decide(r, T, T, "", "no-cache", T + 10, l).verdict == Verdict::kMustRevalidate);
    CPPUNIT_ASSERT(decide(r, T, T, "max-age=5", "", T + 10, l).verdict == Verdict::kMustRevalidate);
    CPPUNIT_ASSERT(decide(r, T, T, "max-age=50", "", T + 10, l).verdict == Verdict::kFresh);
    CPPUNIT_ASSERT(decide(r, T, T, "min-fresh=95", "", T + 10, l).verdict ==
                   Verdict::kMustRevalidate);
    CPPUNIT_ASSERT(decide(r, T, T, "max-stale=20", "", T + 110, l).verdict ==
                   Verdict::kStaleAllowed);
    CPPUNIT_ASSERT(decide(r, T, T, "max-stale=5", "", T + 110, l).verdict ==
                   Verdict::kMustRevalidate);
    CPPUNIT_ASSERT(decide(r, T, T, "max-stale", "", T + 100000, l).verdict ==
                   Verdict::kStaleAllowed);
    CPPUNIT_ASSERT(decide(ok("no-cache, max-age=100"), T, T, "", "", T + 1, l).verdict ==
                   Verdict::kMustRevalidate);
  }
  void staleServing() {
    Limits l;
    ResponseFacts r = ok("max-age=10, stale-while-revalidate=30, stale-if-error=300");
    Decision d = decide(r, T, T, "", "", T + 20, l);
    CPPUNIT_ASSERT(d.verdict == Verdict::kStaleRevalidate);
    CPPUNIT_ASSERT_EQUAL(int64_t(300), d.staleIfError);
    CPPUNIT_ASSERT(decide(r, T, T, "", "", T + 41, l).verdict == Verdict::kMustRevalidate);
    // Just stale, without stale-while-revalidate: revalidate (not "0 seconds of grace").
    CPPUNIT_ASSERT(decide(ok("max-age=10"), T, T, "", "", T + 10, l).verdict ==
                   Verdict::kMustRevalidate);
    // must-revalidate (and s-maxage) forbid serving stale, even on errors.
    d = decide(ok("max-age=10, must-revalidate, stale-while-revalidate=30, stale-if-error=300"), T,
               T, "", "", T + 20, l);
    CPPUNIT_ASSERT(d.verdict == Verdict::kMustRevalidate);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), d.staleIfError);
    CPPUNIT_ASSERT(decide(ok("s-maxage=10"), T, T, "max-stale", "", T + 20, l).verdict ==
                   Verdict::kMustRevalidate);
    // Server-wide defaults apply when the response says nothing.
    l.defaultStaleWhileRevalidate = 60;
    l.defaultStaleIfError = 600;
    d = decide(ok("max-age=10"), T, T, "", "", T + 30, l);
    CPPUNIT_ASSERT(d.verdict == Verdict::kStaleRevalidate);
    CPPUNIT_ASSERT_EQUAL(int64_t(600), d.staleIfError);
  }
  void conditionalRequests() {
    ResponseFacts r = ok("max-age=60");
    r.etag = "\"v1\"";
    r.lastModified = T;
    CPPUNIT_ASSERT(notModified(r, "\"v1\"", "", T));
    CPPUNIT_ASSERT(notModified(r, "\"v0\", W/\"v1\"", "", T));  // weak comparison
    CPPUNIT_ASSERT(notModified(r, "*", "", T));
    CPPUNIT_ASSERT(
        !notModified(r, "\"v2\"", kDate, T));  // If-None-Match wins over If-Modified-Since
    CPPUNIT_ASSERT(notModified(r, "", kDate, T));
    CPPUNIT_ASSERT(!notModified(r, "", "Sun, 06 Nov 1994 07:49:37 GMT", T));
    CPPUNIT_ASSERT(!notModified(r, "", "not a date", T));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PolicyTest, "cache");
