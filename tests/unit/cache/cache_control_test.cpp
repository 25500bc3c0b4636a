#include "shared/cache/cache_control.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::cache;
namespace common = fleet::common;

class CacheControlTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CacheControlTest);
  CPPUNIT_TEST(cacheControlParsing);
  CPPUNIT_TEST(ageIsReadStrictly);
  CPPUNIT_TEST(statusSetsAreConfigurable);
  CPPUNIT_TEST_SUITE_END();

 public:
  void cacheControlParsing() {
    CacheControl c =
        parseCacheControl("public, max-age=60, s-maxage=\"120\", no-cache=\"Set-Cookie, X-A\"");
    CPPUNIT_ASSERT(c.isPublic);
    CPPUNIT_ASSERT_EQUAL(int64_t(60), *c.maxAge);
    CPPUNIT_ASSERT_EQUAL(int64_t(120), *c.sMaxAge);
    CPPUNIT_ASSERT(!c.noCache);
    CPPUNIT_ASSERT_EQUAL(size_t(2), c.noCacheFields.size());
    CPPUNIT_ASSERT_EQUAL(std::string("set-cookie"), c.noCacheFields[0]);
    CPPUNIT_ASSERT(parseCacheControl("NO-STORE").noStore);
    CPPUNIT_ASSERT(parseCacheControl("max-stale").maxStaleAny);
    CPPUNIT_ASSERT_EQUAL(int64_t(2147483648LL),
                         *parseCacheControl("max-age=99999999999999").maxAge);
    // Conflicting or malformed max-age: invalid, treated as stale.
    CPPUNIT_ASSERT(parseCacheControl("max-age=60, max-age=120").invalidMaxAge);
    CPPUNIT_ASSERT(!parseCacheControl("max-age=60, max-age=60").invalidMaxAge);
    CPPUNIT_ASSERT(parseCacheControl("max-age=1h").invalidMaxAge);
    CPPUNIT_ASSERT_EQUAL(int64_t(30),
                         *parseCacheControl("stale-while-revalidate=30").staleWhileRevalidate);
  }
  void ageIsReadStrictly() {
    CPPUNIT_ASSERT_EQUAL(int64_t(0), parseAge(""));
    CPPUNIT_ASSERT_EQUAL(int64_t(17), parseAge("17"));
    CPPUNIT_ASSERT_EQUAL(int64_t(17), parseAge(" 17 "));
    for (const char* bad :
         {"old, 0", "1,2", "-5", "+5", "5s", "1.5", "abc", "99999999999", "2147483648"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, kInvalidAge, parseAge(bad));
    }
    CPPUNIT_ASSERT_EQUAL(int64_t(2147483647), parseAge("2147483647"));
  }
  void statusSetsAreConfigurable() {
    StatusSet d = StatusSet::defaults();
    CPPUNIT_ASSERT_EQUAL(std::string("200 203 204 300 301 302 303 307 308 404 410 414 501"),
                         d.toString());
    common::Result<StatusSet> more = StatusSet::parse({"default", "400", "500"});
    CPPUNIT_ASSERT(more.isOk());
    CPPUNIT_ASSERT(more.value().contains(400) && more.value().contains(500) &&
                   more.value().contains(200));
    common::Result<StatusSet> only = StatusSet::parse({"200"});
    CPPUNIT_ASSERT(only.isOk() && only.value().contains(200) && !only.value().contains(404));
    for (const char* bad : {"206", "304", "199", "600", "abc", "2OO"}) {
      common::Result<StatusSet> b = StatusSet::parse({bad});
      CPPUNIT_ASSERT_MESSAGE(bad, !b.isOk());
      CPPUNIT_ASSERT(b.status().message().find("accepted: status codes") != std::string::npos);
    }
    CPPUNIT_ASSERT(!StatusSet::parse({}).isOk());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(CacheControlTest, "cache");
