#include "shared/cache/stored.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::cache;

namespace {
Entry entry(std::vector<std::pair<std::string, std::string>> headers) {
  Entry e;
  e.key = "k";
  e.status = 200;
  e.headers = std::move(headers);
  return e;
}
}  // namespace

class StoredTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StoredTest);
  CPPUNIT_TEST(factsJoinEveryCacheControl);
  CPPUNIT_TEST(whatGoesOutFromTheCache);
  CPPUNIT_TEST(storageTtlCoversStaleWindowsAndRevalidation);
  CPPUNIT_TEST(a304RefreshesFreshnessAndValidatorsOnly);
  CPPUNIT_TEST_SUITE_END();

 public:
  void factsJoinEveryCacheControl() {
    ResponseFacts f = storedFacts(entry({{"Cache-Control", "public"}, {"ETag", "\"v\""},
                                         {"cache-control", "max-age=60"}, {"Date", "x"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("public, max-age=60"), f.cacheControl);
    CPPUNIT_ASSERT_EQUAL(std::string("\"v\""), f.etag);
    CPPUNIT_ASSERT_EQUAL(200, f.status);
  }
  void whatGoesOutFromTheCache() {
    CacheControl cc = parseCacheControl("max-age=60, no-cache=\"X-Session\", private=\"X-User\"");
    CPPUNIT_ASSERT(sentFromCache("Content-Type", cc));
    CPPUNIT_ASSERT(sentFromCache("ETag", cc));
    for (const char* never : {"Set-Cookie", "connection", "Transfer-Encoding", "Content-Length", "Age",
                              "Cache-Status", "X-Session", "x-user"}) {
      CPPUNIT_ASSERT_MESSAGE(never, !sentFromCache(never, cc));
    }
    CPPUNIT_ASSERT(keptInEntry("X-Session"));  // kept, so a revalidated answer can still hold it
    CPPUNIT_ASSERT(!keptInEntry("Set-Cookie"));
  }
  void storageTtlCoversStaleWindowsAndRevalidation() {
    Limits l;
    ResponseFacts f;
    f.status = 200;
    f.cacheControl = "max-age=60";
    CPPUNIT_ASSERT_EQUAL(int64_t(60), storageTtl(f, l));
    f.cacheControl = "max-age=60, stale-while-revalidate=30, stale-if-error=600";
    CPPUNIT_ASSERT_EQUAL(int64_t(660), storageTtl(f, l));
    f.etag = "\"v\"";
    CPPUNIT_ASSERT_EQUAL(int64_t(4260), storageTtl(f, l));
    f.cacheControl = "max-age=0";
    f.etag.clear();
    CPPUNIT_ASSERT_EQUAL(int64_t(0), storageTtl(f, l));  // nothing to serve later: not stored
    l.defaultStaleIfError = 120;
    CPPUNIT_ASSERT_EQUAL(int64_t(120), storageTtl(f, l));
    f.cacheControl = "max-age=999999999";
    CPPUNIT_ASSERT_EQUAL(int64_t(30 * 86400), storageTtl(f, l));
  }
  void a304RefreshesFreshnessAndValidatorsOnly() {
    Entry e = entry({{"Cache-Control", "max-age=1"}, {"ETag", "\"v1\""}, {"Content-Type", "text/plain"},
                     {"X-Custom", "old"}});
    refreshFrom304(&e, {{"cache-control", "max-age=60"}, {"X-Custom", "new"}, {"Date", "d"}}, 10, 11);
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=60"), e.header("Cache-Control"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"v1\""), e.header("ETag"));         // not sent: kept
    CPPUNIT_ASSERT_EQUAL(std::string("old"), e.header("X-Custom"));        // not a freshness field
    CPPUNIT_ASSERT_EQUAL(std::string("d"), e.header("Date"));
    CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), e.header("Content-Type"));
    CPPUNIT_ASSERT_EQUAL(int64_t(11), e.responseTime);
    CPPUNIT_ASSERT_EQUAL(int64_t(10), e.requestTime);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(StoredTest, "cache");
