#include "shared/offload/https_policy.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::offload;

class HttpsPolicyTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpsPolicyTest);
  CPPUNIT_TEST(hstsValues);
  CPPUNIT_TEST(hstsErrors);
  CPPUNIT_TEST(redirectCodes);
  CPPUNIT_TEST(locationsKeepPathAndQuery);
  CPPUNIT_TEST(untrustworthyHostsFallBack);
  CPPUNIT_TEST(exemptions);
  CPPUNIT_TEST_SUITE_END();

 public:
  void hstsValues() {
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=300"), parseHsts({"max-age=300"}).value());
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=31536000; includeSubDomains; preload"),
                         parseHsts({"max-age=31536000", "includesubdomains", "preload"}).value());
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=0"),
                         parseHsts({"max-age=0"}).value());  // turn it off at clients
  }
  void hstsErrors() {
    CPPUNIT_ASSERT(parseHsts({}).status().message().find("max-age is missing") == 0);
    CPPUNIT_ASSERT(parseHsts({"includeSubDomains"}).status().message().find("max-age is missing") ==
                   0);
    CPPUNIT_ASSERT(
        parseHsts({"max-age=soon"}).status().message().find("'max-age=soon' is not valid") == 0);
    CPPUNIT_ASSERT(parseHsts({"max-age=60", "subdomains"})
                       .status()
                       .message()
                       .find("'subdomains' is not valid; accepted: max-age=<seconds> "
                             "[includeSubDomains] [preload]") == 0);
    CPPUNIT_ASSERT(parseHsts({"max-age=60", "includeSubDomains", "preload"})
                       .status()
                       .message()
                       .find("preload needs") == 0);
  }
  void redirectCodes() {
    CPPUNIT_ASSERT_EQUAL(308, parseRedirectCode("308").value());
    CPPUNIT_ASSERT_EQUAL(301, parseRedirectCode("301").value());
    for (const char* bad : {"200", "304", "399", "abc", ""}) {
      CPPUNIT_ASSERT_MESSAGE(bad, parseRedirectCode(bad).status().message().find(
                                      "accepted: 301, 302, 303, 307, 308") != std::string::npos);
    }
  }
  void locationsKeepPathAndQuery() {
    CPPUNIT_ASSERT_EQUAL(std::string("https://shop.example/a/b?x=1&y=%20"),
                         httpsLocation("shop.example", "fallback", 443, "/a/b?x=1&y=%20"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://shop.example:8443/"),
                         httpsLocation("Shop.Example:8080", "fallback", 8443, "/"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://[2001:db8::1]/x"),
                         httpsLocation("[2001:db8::1]:80", "fallback", 443, "/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://shop.example/"),
                         httpsLocation("shop.example", "fallback", 443, "*"));
  }
  void untrustworthyHostsFallBack() {
    CPPUNIT_ASSERT_EQUAL(std::string("https://www.example/x"),
                         httpsLocation("evil.example/@attacker", "www.example", 443, "/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://www.example/x"),
                         httpsLocation("", "www.example", 443, "/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://www.example/x"),
                         httpsLocation("[not-ip]", "www.example", 443, "/x"));
  }
  void exemptions() {
    std::vector<std::string> p = {"/.well-known/acme-challenge/", "/healthz"};
    CPPUNIT_ASSERT(exempt(p, "/.well-known/acme-challenge/token123"));
    CPPUNIT_ASSERT(exempt(p, "/healthz"));
    CPPUNIT_ASSERT(!exempt(p, "/.well-known/other"));
    CPPUNIT_ASSERT(!exempt(p, "/"));
    CPPUNIT_ASSERT(!exempt({}, "/healthz"));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpsPolicyTest, "offload");
