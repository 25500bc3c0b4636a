#include "shared/common/headers.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::common;

class HeadersTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HeadersTest);
  CPPUNIT_TEST(linesAreCombinedInOrder);
  CPPUNIT_TEST(firstLineOfSingletons);
  CPPUNIT_TEST(listsSplitAndTrim);
  CPPUNIT_TEST(namesFoldAsGatewaysReadThem);
  CPPUNIT_TEST_SUITE_END();

 public:
  void linesAreCombinedInOrder() {
    HeaderList h = {{"Vary", "Accept-Encoding"}, {"X", "1"}, {"VARY", " Cookie "}, {"vary", ""}};
    CPPUNIT_ASSERT_EQUAL(std::string("Accept-Encoding, Cookie"), combinedField(h, "vary"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), combinedField(h, "Pragma"));
    CPPUNIT_ASSERT(sameFieldName("Cache-Control", "cache-control"));
    CPPUNIT_ASSERT(!sameFieldName("Cache-Control", "Cache-Contro"));
  }
  void firstLineOfSingletons() {
    HeaderList h = {{"ETag", "\"a\""}, {"etag", "\"b\""}};
    CPPUNIT_ASSERT_EQUAL(std::string("\"a\""), firstField(h, "ETAG"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), firstField(h, "Date"));
  }
  void listsSplitAndTrim() {
    std::vector<std::string> v = splitList(" a, ,b ,, c\t");
    CPPUNIT_ASSERT_EQUAL(size_t(3), v.size());
    CPPUNIT_ASSERT_EQUAL(std::string("a"), v[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("c"), v[2]);
    CPPUNIT_ASSERT(splitList("").empty());
  }
  void namesFoldAsGatewaysReadThem() {
    CPPUNIT_ASSERT_EQUAL(std::string("x-ssl-client-verify"),
                         foldedFieldName("X_SSL_Client.Verify"));
    CPPUNIT_ASSERT_EQUAL(std::string("x-forwarded-for"), foldedFieldName("X-Forwarded-For"));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HeadersTest, "common");
