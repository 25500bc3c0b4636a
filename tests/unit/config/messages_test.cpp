#include "shared/config/messages.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::config;

class MessagesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MessagesTest);
  CPPUNIT_TEST(unknownChoiceNamesDirectiveValueAndSortedChoices);
  CPPUNIT_TEST(findsKeyValueAmongWords);
  CPPUNIT_TEST(keyMatchIsWholeAndCaseInsensitive);
  CPPUNIT_TEST(quotedWordsAndContainerBracket);
  CPPUNIT_TEST_SUITE_END();

 public:
  void unknownChoiceNamesDirectiveValueAndSortedChoices() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("ProxySet: lbmethod 'p2cc' is unknown; accepted: byrequests, p2c"),
        unknownChoice("ProxySet", "lbmethod", "p2cc", {"p2c", "byrequests"}));
    CPPUNIT_ASSERT(unknownChoice("X", "k", "v", {}).find("none registered") != std::string::npos);
  }
  void findsKeyValueAmongWords() {
    std::string v;
    CPPUNIT_ASSERT(findKeyValue("balancer://a lbmethod=p2c timeout=5", "lbmethod", &v));
    CPPUNIT_ASSERT_EQUAL(std::string("p2c"), v);
    CPPUNIT_ASSERT(!findKeyValue("balancer://a timeout=5", "lbmethod", &v));
  }
  void keyMatchIsWholeAndCaseInsensitive() {
    std::string v;
    CPPUNIT_ASSERT(findKeyValue("LBMethod=x", "lbmethod", &v));
    CPPUNIT_ASSERT_EQUAL(std::string("x"), v);
    CPPUNIT_ASSERT(!findKeyValue("xlbmethod=y lbmethodx=z", "lbmethod", &v));
  }
  void quotedWordsAndContainerBracket() {
    std::string v;
    CPPUNIT_ASSERT(findKeyValue("balancer://a \"lbmethod=by requests\"", "lbmethod", &v));
    CPPUNIT_ASSERT_EQUAL(std::string("by requests"), v);
    CPPUNIT_ASSERT(findKeyValue("balancer://a lbmethod=p2c>", "lbmethod", &v));
    CPPUNIT_ASSERT_EQUAL(std::string("p2c"), v);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(MessagesTest, "config");
