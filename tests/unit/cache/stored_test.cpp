#include "shared/cache/stored.h"

#include <cppunit/extensions/HelperMacros.h>

#include "shared/cache/http_date.h"
#include "shared/cache/keys.h"

using namespace fleet::cache;
namespace common = fleet::common;

namespace {
const Limits L;
const int64_t kNow = 1796000000;
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
  CPPUNIT_TEST(a304FreshensEveryFieldItCarries);
  CPPUNIT_TEST(targetedFieldsComeFirst);
  CPPUNIT_TEST(expiresOnSeveralLinesIsInvalid);
  CPPUNIT_TEST_SUITE_END();

 public:
  void factsJoinEveryCacheControl() {
    ResponseFacts f = storedFacts(entry({{"Cache-Control", "public"},
                                         {"ETag", "\"v\""},
                                         {"cache-control", "max-age=60"},
                                         {"Date", "x"}}),
                                  L);
    CPPUNIT_ASSERT_EQUAL(std::string("public, max-age=60"), f.cacheControl);
    CPPUNIT_ASSERT_EQUAL(std::string("\"v\""), f.etag);
    CPPUNIT_ASSERT_EQUAL(200, f.status);
  }
  void listFieldsOnSeveralLinesAreCombined() {
    // A member (or nginx's gzip_vary in front of it) may split Vary: every line counts, or a
    // response varying on Cookie is shared between users.
    ResponseFacts f = factsOf(200,
                              {{"Vary", "Accept-Encoding"},
                               {"Content-Type", "text/plain"},
                               {"vary", "Cookie"},
                               {"Cache-Control", "max-age=60"},
                               {"CACHE-CONTROL", "private"},
                               {"Pragma", "x"},
                               {"Pragma", "no-cache"}},
                              L, kNow);
    CPPUNIT_ASSERT_EQUAL(std::string("Accept-Encoding, Cookie"), f.vary);
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=60, private"), f.cacheControl);
    CPPUNIT_ASSERT_EQUAL(std::string("x, no-cache"), f.pragma);
    std::vector<std::string> names = varyNames(f.vary);
    CPPUNIT_ASSERT_EQUAL(size_t(2), names.size());
    CPPUNIT_ASSERT_EQUAL(std::string("cookie"), names[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("private"), whyNotStorable("GET", f));
    // Vary: * on a line of its own, or among empty members.
    ResponseFacts star =
        factsOf(200, {{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Encoding"}, {"Vary", "*"}},
                L, kNow);
    CPPUNIT_ASSERT_EQUAL(std::string("vary-star"), whyNotStorable("GET", star));
    ResponseFacts empties =
        factsOf(200, {{"Cache-Control", "max-age=60"}, {"Vary", ""}, {"Vary", " , *"}}, L, kNow);
    CPPUNIT_ASSERT_EQUAL(std::string("vary-star"), whyNotStorable("GET", empties));
    // The stored entry reads the same way.
    ResponseFacts stored =
        storedFacts(entry({{"Vary", "Accept-Encoding"}, {"Vary", "Authorization"}}), L);
    CPPUNIT_ASSERT_EQUAL(std::string("Accept-Encoding, Authorization"), stored.vary);
    CPPUNIT_ASSERT(factsOf(200, {{"set-cookie", "a=b"}}, L, kNow).hasSetCookie);
  }
  void surrogateKeysFromEveryLine() {
    std::vector<std::string> tags = surrogateKeys({{"Surrogate-Key", "product-9  all"},
                                                   {"X-Other", "no"},
                                                   {"surrogate-key", "cart,all"},
                                                   {"Surrogate-Key", ""}});
    CPPUNIT_ASSERT_EQUAL(size_t(3), tags.size());
    CPPUNIT_ASSERT_EQUAL(std::string("product-9"), tags[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("all"), tags[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("cart"), tags[2]);
  }
  void connectionNamedFieldsAreNotStored() {
    common::HeaderList kept = storableHeaders({{"Connection", "X-Hop"},
                                               {"X-Hop", "secret"},
                                               {"connection", "keep-alive, x-other"},
                                               {"X-Other", "1"},
                                               {"Keep-Alive", "timeout=5"},
                                               {"ETag", "\"v\""},
                                               {"Set-Cookie", "s=1"}});
    CPPUNIT_ASSERT_EQUAL(size_t(1), kept.size());
    CPPUNIT_ASSERT_EQUAL(std::string("ETag"), kept[0].first);
  }
  void whatGoesOutFromTheCache() {
    CacheControl cc = parseCacheControl("max-age=60, no-cache=\"X-Session\", private=\"X-User\"");
    CPPUNIT_ASSERT(sentFromCache("Content-Type", cc, L));
    CPPUNIT_ASSERT(sentFromCache("ETag", cc, L));
    for (const char* never : {"Set-Cookie", "connection", "Transfer-Encoding", "Content-Length",
                              "Age", "Cache-Status", "X-Session", "x-user"}) {
      CPPUNIT_ASSERT_MESSAGE(never, !sentFromCache(never, cc, L));
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
  void a304FreshensEveryFieldItCarries() {
    Entry e = entry({{"Cache-Control", "max-age=1"},
                     {"ETag", "\"v1\""},
                     {"Content-Type", "text/plain"},
                     {"X-Custom", "old"},
                     {"X-Multi", "a"},
                     {"X-Multi", "b"},
                     {"Content-Length", "7"}});
    e.age = 5;
    freshenFrom304(&e,
                   {{"cache-control", "max-age=60"},
                    {"X-Custom", "new"},
                    {"Date", "d"},
                    {"X-Multi", "c"},
                    {"Content-Length", "0"},
                    {"Connection", "X-Hop"},
                    {"X-Hop", "1"},
                    {"Age", "3"},
                    {"Set-Cookie", "s=1"}},
                   10, 11);
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=60"), e.header("Cache-Control"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"v1\""), e.header("ETag"));   // not sent: kept
    CPPUNIT_ASSERT_EQUAL(std::string("new"), e.header("X-Custom"));  // every field it carries
    CPPUNIT_ASSERT_EQUAL(std::string("c"), common::combinedField(e.headers, "X-Multi"));
    CPPUNIT_ASSERT_EQUAL(std::string("d"), e.header("Date"));
    CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), e.header("Content-Type"));
    CPPUNIT_ASSERT_EQUAL(std::string("7"),
                         e.header("Content-Length"));  // framing: never from a 304
    CPPUNIT_ASSERT_EQUAL(std::string(""), e.header("X-Hop"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), e.header("Set-Cookie"));
    CPPUNIT_ASSERT_EQUAL(int64_t(3), e.age);
    CPPUNIT_ASSERT_EQUAL(int64_t(11), e.responseTime);
    CPPUNIT_ASSERT_EQUAL(int64_t(10), e.requestTime);
  }
  void targetedFieldsComeFirst() {
    Limits l;
    common::HeaderList h = {{"Cache-Control", "no-store"},
                            {"CDN-Cache-Control", "max-age=300"},
                            {"Expires", "Sun, 06 Nov 1994 08:49:37 GMT"}};
    ResponseFacts f = factsOf(200, h, l, kNow);
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=300"), f.cacheControl);
    CPPUNIT_ASSERT(f.targeted);
    CPPUNIT_ASSERT_EQUAL(std::string(""), whyNotStorable("GET", f, l));
    h.emplace_back("fleet-cache-control", "max-age=10");
    h.emplace_back("Fleet-Cache-Control", "public");
    f = factsOf(200, h, l, kNow);
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=10, public"), f.cacheControl);
    l.targetedField = "";
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=300"), factsOf(200, h, l, kNow).cacheControl);
    l.cdnCacheControl = false;
    f = factsOf(200, h, l, kNow);
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), f.cacheControl);
    CPPUNIT_ASSERT(!f.targeted);
    // Ours never leaves the cache.
    CPPUNIT_ASSERT(!sentFromCache("Fleet-Cache-Control", CacheControl(), Limits()));
    CPPUNIT_ASSERT(sentFromCache("CDN-Cache-Control", CacheControl(), Limits()));
  }
  void expiresOnSeveralLinesIsInvalid() {
    ResponseFacts one = factsOf(200, {{"Expires", "Sun, 06 Nov 1994 08:49:37 GMT"}}, L, kNow);
    CPPUNIT_ASSERT(one.hasExpires && one.expires.has_value());
    ResponseFacts two = factsOf(200,
                                {{"Expires", "Sun, 06 Nov 1994 08:49:37 GMT"},
                                 {"Expires", "Sun, 06 Nov 1994 08:49:37 GMT"}},
                                L, kNow);
    CPPUNIT_ASSERT(two.hasExpires && !two.expires.has_value());
    ResponseFacts utc = factsOf(200, {{"Expires", "Sun, 06 Nov 1994 08:49:37 UTC"}}, L, kNow);
    CPPUNIT_ASSERT(utc.hasExpires && !utc.expires.has_value());
    CPPUNIT_ASSERT_EQUAL(kInvalidAge, factsOf(200, {{"Age", "old, 0"}}, L, kNow).age);
    CPPUNIT_ASSERT_EQUAL(int64_t(7),
                         factsOf(200, {{"Age", "7"}, {"Age", "9"}}, L, kNow).age);  // the first
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(StoredTest, "cache");
