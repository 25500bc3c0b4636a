#include "shared/common/utf8.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::common;

class Utf8Test : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(Utf8Test);
  CPPUNIT_TEST(validTextIsKept);
  CPPUNIT_TEST(invalidBytesBecomeReplacementCharacters);
  CPPUNIT_TEST(prefixesEndOnCodePoints);
  CPPUNIT_TEST_SUITE_END();

 public:
  void validTextIsKept() {
    for (const char* ok : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80",
                           "\xF4\x8F\xBF\xBF"}) {
      CPPUNIT_ASSERT_EQUAL(std::string(ok), validUtf8(ok));
    }
  }
  void invalidBytesBecomeReplacementCharacters() {
    const std::string r = "\xEF\xBF\xBD";
    CPPUNIT_ASSERT_EQUAL("a" + r + "b", validUtf8("a\xFF"
                                                  "b"));
    CPPUNIT_ASSERT_EQUAL(r + r, validUtf8("\xC0\xAF"));                  // overlong '/'
    CPPUNIT_ASSERT_EQUAL(r + r + r, validUtf8("\xED\xA0\x80"));          // a surrogate
    CPPUNIT_ASSERT_EQUAL(r + r + r + r, validUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CPPUNIT_ASSERT_EQUAL("x" + r + r, validUtf8("x\xE2\x82"));           // cut short
    CPPUNIT_ASSERT_EQUAL(r + "A", validUtf8("\x80"
                                            "A"));  // a lone continuation
  }
  void prefixesEndOnCodePoints() {
    std::string euro = "ab\xE2\x82\xAC";
    CPPUNIT_ASSERT_EQUAL(std::string("ab"), std::string(utf8Prefix(euro, 4)));
    CPPUNIT_ASSERT_EQUAL(euro, std::string(utf8Prefix(euro, 5)));
    CPPUNIT_ASSERT_EQUAL(std::string(""), std::string(utf8Prefix(euro, 0)));
    CPPUNIT_ASSERT_EQUAL(std::string("a"), std::string(utf8Prefix("a\xFF", 10)));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(Utf8Test, "common");
