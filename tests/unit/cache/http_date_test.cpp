#include "shared/cache/http_date.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::cache;

namespace {
const int64_t T = 784111777;      // Sun, 06 Nov 1994 08:49:37 GMT
const int64_t kNow = 1796000000;  // 2026
}  // namespace

class HttpDateTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpDateTest);
  CPPUNIT_TEST(theThreeForms);
  CPPUNIT_TEST(anythingElseIsInvalid);
  CPPUNIT_TEST(twoDigitYears);
  CPPUNIT_TEST(twoDigitYearsNeedAReadableNow);
  CPPUNIT_TEST_SUITE_END();

 public:
  void theThreeForms() {
    CPPUNIT_ASSERT_EQUAL(T, parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", kNow).value());
    CPPUNIT_ASSERT_EQUAL(T, parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", kNow).value());
    CPPUNIT_ASSERT_EQUAL(T, parseHttpDate("Sun Nov  6 08:49:37 1994", kNow).value());
    CPPUNIT_ASSERT_EQUAL(T + 4 * 86400, parseHttpDate("Thu Nov 10 08:49:37 1994", kNow).value());
    CPPUNIT_ASSERT_EQUAL(std::string("Sun, 06 Nov 1994 08:49:37 GMT"), formatHttpDate(T));
    CPPUNIT_ASSERT(parseHttpDate("Sat, 29 Feb 2020 00:00:00 GMT", kNow).has_value());  // a leap day
  }
  void anythingElseIsInvalid() {
    for (const char* bad : {"",
                            "0",
                            "-1",
                            "Sun, 06 Nov 1994 08:49:37 PST",
                            "Sun, 06 Nov 1994 08:49:37 UTC",
                            "Sun, 06 Nov 1994 08:49:37 gmt",
                            "sun, 06 Nov 1994 08:49:37 GMT",
                            "Sun, 06 nov 1994 08:49:37 GMT",
                            "Sun, 6 Nov 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994 8:49:37 GMT",  // one digit
                            "Sun,  06 Nov 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994  08:49:37 GMT",  // two spaces
                            "Sun 06 Nov 1994 08:49:37 GMT",    // no comma
                            " Sun, 06 Nov 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994 08:49:37 GMT ",
                            "Sun, 32 Nov 1994 08:49:37 GMT",
                            "Sun, 31 Nov 1994 08:49:37 GMT",
                            "Sun, 29 Feb 2019 00:00:00 GMT",
                            "Sun, 06 Foo 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994 24:00:00 GMT",
                            "Sun, 06 Nov 1994 08:60:37 GMT",
                            "Sun, 06 Nov 1994 08:49:37 GMT trailing",
                            "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
                            "Sun, 06-Nov-94 08:49:37 GMT",
                            "Sunday, 06 Nov 1994 08:49:37 GMT",
                            "Sun Nov 6 08:49:37 1994",
                            "Sun Nov  6 08:49:37 94",
                            "Sunday, 06-Nov-1994 08:49:37 GMT",
                            "Xyz, 06 Nov 1994 08:49:37 GMT"}) {
      CPPUNIT_ASSERT_MESSAGE(bad, !parseHttpDate(bad, kNow).has_value());
    }
  }
  void twoDigitYears() {
    // RFC 850 years more than 50 years ahead of now are in the past century.
    int64_t in1979 = parseHttpDate("Thursday, 01-Mar-79 00:00:00 GMT", kNow).value();
    CPPUNIT_ASSERT_EQUAL(std::string("Thu, 01 Mar 1979 00:00:00 GMT"), formatHttpDate(in1979));
    int64_t in2069 = parseHttpDate("Friday, 01-Mar-69 00:00:00 GMT", kNow).value();
    CPPUNIT_ASSERT_EQUAL(std::string("Fri, 01 Mar 2069 00:00:00 GMT"), formatHttpDate(in2069));
    int64_t in2030 = parseHttpDate("Friday, 01-Mar-30 00:00:00 GMT", kNow).value();
    CPPUNIT_ASSERT_EQUAL(std::string("Fri, 01 Mar 2030 00:00:00 GMT"), formatHttpDate(in2030));
  }
  // Found by tests/fuzz/http_date: a "now" gmtime_r cannot read (2^63-1) left a half-filled year
  // of 219250400, and the date came out in that year; years past 9999 are no HTTP-date.
  void twoDigitYearsNeedAReadableNow() {
    CPPUNIT_ASSERT(!parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", INT64_MAX).has_value());
    CPPUNIT_ASSERT(!parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", INT64_MIN).has_value());
    const int64_t in10000 = 253402300800;  // Sat, 01 Jan 10000 00:00:00 GMT
    CPPUNIT_ASSERT(!parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", in10000 + 200LL * 365 * 86400)
                        .has_value());
    int64_t in9994 = parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", in10000 - 1).value();
    CPPUNIT_ASSERT_EQUAL(std::string("Sun, 06 Nov 9994 08:49:37 GMT"), formatHttpDate(in9994));
    CPPUNIT_ASSERT_EQUAL(in10000 - 1, parseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT", kNow).value());
    CPPUNIT_ASSERT(!parseHttpDate("Fri, 31 Dec 9999 23:59:60 GMT", kNow).has_value());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpDateTest, "cache");
