#include "shared/cache/stored.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::cache;
namespace common = fleet::common;

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
  CPPUNIT_TEST(listFieldsOnSeveralLinesAreCombined);
  CPPUNIT_TEST(surrogateKeysFromEveryLine);
  CPPUNIT_TEST(connectionNamedFieldsAreNotStored);
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
  void listFieldsOnSeveralLinesAreCombined() {
    // A member (or nginx's gzip_vary in front of it) may split Vary: every line counts, or a
    // response varying on Cookie is shared between users.
    ResponseFacts f = factsOf(200, {{"Vary", "Accept-Encoding"}, {"Content-Type", "text/plain"},
                                    {"vary", "Cookie"}, {"Cache-Control", "max-age=60"},
                                    {"CACHE-CONTROL", "private"}, {"Pragma", "x"}, {"Pragma", "no-cache"}});
    CPPUNIT_ASSERT_EQUAL(std::string("Accept-Encoding, Cookie"), f.vary);
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=60, private"), f.cacheControl);
    CPPUNIT_ASSERT_EQUAL(std::string("x, no-cache"), f.pragma);
    std::vector<std::string> names = varyNames(f.vary);
    CPPUNIT_ASSERT_EQUAL(size_t(2), names.size());
    CPPUNIT_ASSERT_EQUAL(std::string("cookie"), names[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("private"), whyNotStorable("GET", f));
    // Vary: * on a line of its own, or among empty members.
    ResponseFacts star = factsOf(200, {{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Encoding"}, {"Vary", "*"}});
    CPPUNIT_ASSERT_EQUAL(std::string("vary-star"), whyNotStorable("GET", star));
    ResponseFacts empties = factsOf(200, {{"Cache-Control", "max-age=60"}, {"Vary", ""}, {"Vary", " , *"}});
    CPPUNIT_ASSERT_EQUAL(std::string("vary-star"), whyNotStorable("GET", empties));
    // The stored entry reads the same way.
    ResponseFacts stored = storedFacts(entry({{"Vary", "Accept-Encoding"}, {"Vary", "Authorization"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("Accept-Encoding, Authorization"), stored.vary);
    CPPUNIT_ASSERT(factsOf(200, {{"set-cookie", "a=b"}}).hasSetCookie);
  }
  void surrogateKeysFromEveryLine() {
    std::vector<std::string> tags = surrogateKeys(
        {{"Surrogate-Key", "product-9  all"}, {"X-Other", "no"}, {"surrogate-key", "cart,all"}, {"Surrogate-Key", ""}});
    CPPUNIT_ASSERT_EQUAL(size_t(3), tags.size());
    CPPUNIT_ASSERT_EQUAL(std::string("product-9"), tags[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("all"), tags[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("cart"), tags[2]);
  }
  void connectionNamedFieldsAreNotStored() {
    common::HeaderList kept = storableHeaders({{"Connection", "X-Hop"}, {"X-Hop", "secret"},
                                               {"connection", "keep-alive, x-other"}, {"X-Other", "1"},
                                               {"Keep-Alive", "timeout=5"}, {"ETag", "\"v\""},
                                               {"Set-Cookie", "s=1"}});
    CPPUNIT_ASSERT_EQUAL(size_t(1), kept.size());
    CPPUNIT_ASSERT_EQUAL(std::string("ETag"), kept[0].first);
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
