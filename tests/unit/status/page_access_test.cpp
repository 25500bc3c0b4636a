#include "shared/status/page_access.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::status;

class PageAccessTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PageAccessTest);
  CPPUNIT_TEST(onlyTheVirtualHostsOwnNames);
  CPPUNIT_TEST(tokensAreBoundToTheCookieAndScope);
  CPPUNIT_TEST(cookieIsReadStrictly);
  CPPUNIT_TEST(redirectsAreEscaped);
  CPPUNIT_TEST(queryValuesAreDecoded);
  CPPUNIT_TEST_SUITE_END();

 public:
  void onlyTheVirtualHostsOwnNames() {
    std::vector<std::string> names = {"lb.example", "*.ops.example", "status-?.example"};
    CPPUNIT_ASSERT(hostAllowed("lb.example", names, "10.0.0.5"));
    CPPUNIT_ASSERT(hostAllowed("LB.Example:8080", names, "10.0.0.5"));
    CPPUNIT_ASSERT(hostAllowed("lb.example.", names, "10.0.0.5"));
    CPPUNIT_ASSERT(hostAllowed("a.ops.example", names, "10.0.0.5"));
    CPPUNIT_ASSERT(hostAllowed("status-1.example", names, "10.0.0.5"));
    CPPUNIT_ASSERT(hostAllowed("10.0.0.5:80", names, "10.0.0.5"));  // the address it listens on
    CPPUNIT_ASSERT(hostAllowed("", names, "10.0.0.5"));             // HTTP/1.0, no Host
    // A DNS-rebound attacker name, look-alikes, and names only a loopback connection may use.
    CPPUNIT_ASSERT(!hostAllowed("rebind.evil.example", names, "10.0.0.5"));
    CPPUNIT_ASSERT(!hostAllowed("lb.example.evil.example", names, "10.0.0.5"));
    CPPUNIT_ASSERT(!hostAllowed("ops.example", names, "10.0.0.5"));
    CPPUNIT_ASSERT(!hostAllowed("status-12.example", names, "10.0.0.5"));
    CPPUNIT_ASSERT(!hostAllowed("localhost", names, "10.0.0.5"));
    CPPUNIT_ASSERT(hostAllowed("localhost:8080", names, "127.0.0.1"));
    CPPUNIT_ASSERT(hostAllowed("[::1]:8080", names, "::1"));
    CPPUNIT_ASSERT(!hostAllowed("[::1", names, "::1"));
    CPPUNIT_ASSERT(!hostAllowed("10.0.0.6", names, "10.0.0.5"));
  }
  void tokensAreBoundToTheCookieAndScope() {
    std::string t = actionToken("secret", "lb.example", "00112233445566778899aabbccddeeff");
    CPPUNIT_ASSERT_EQUAL(size_t(64), t.size());
    CPPUNIT_ASSERT(
        actionTokenMatches("secret", "lb.example", "00112233445566778899aabbccddeeff", t));
    CPPUNIT_ASSERT(
        !actionTokenMatches("secret", "lb.example", "ffffffffffffffffffffffffffffffff", t));
    CPPUNIT_ASSERT(
        !actionTokenMatches("secret", "other.example", "00112233445566778899aabbccddeeff", t));
    CPPUNIT_ASSERT(
        !actionTokenMatches("another", "lb.example", "00112233445566778899aabbccddeeff", t));
    CPPUNIT_ASSERT(
        !actionTokenMatches("secret", "lb.example", "", actionToken("secret", "lb.example", "")));
    CPPUNIT_ASSERT_EQUAL(std::string(""), actionToken("", "lb.example", "x"));
    // HMAC-SHA256(secret, scope "\n" cookie), as Python's hmac module computes it.
    CPPUNIT_ASSERT_EQUAL(
        std::string("93f50b88268f11c6d3c79be17a40a48087d05391c6435d0a4f0570d6d7456bcd"), t);
  }
  void cookieIsReadStrictly() {
    const std::string v = "0123456789abcdef0123456789abcdef";
    CPPUNIT_ASSERT_EQUAL(v, tokenCookie("a=1; fleet_csrf=" + v + "; b=2"));
    CPPUNIT_ASSERT_EQUAL(v, tokenCookie("fleet_csrf=" + v));
    CPPUNIT_ASSERT_EQUAL(std::string(""), tokenCookie("fleet_csrf=short"));
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         tokenCookie("fleet_csrf=0123456789ABCDEF0123456789ABCDEF"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), tokenCookie("xfleet_csrf=" + v));
    CPPUNIT_ASSERT_EQUAL(std::string(""), tokenCookie(""));
  }
  void redirectsAreEscaped() {
    CPPUNIT_ASSERT_EQUAL(std::string("/fleet-status?notice=drained%20http%3A%2F%2Fm1"),
                         actionRedirect("/fleet-status", "drained http://m1"));
    CPPUNIT_ASSERT_EQUAL(std::string("/fleet-status/%0D%0ASet-Cookie%3A%20x%3D1%3Cb%3E?notice=ok"),
                         actionRedirect("/fleet-status/\r\nSet-Cookie: x=1<b>", "ok"));
    CPPUNIT_ASSERT_EQUAL(std::string("/%2F%2Fevil.example%2Fx?notice=ok"),
                         actionRedirect("//evil.example/x", "ok"));
  }
  void queryValuesAreDecoded() {
    CPPUNIT_ASSERT_EQUAL(std::string("json"), queryValue("format=json", "format"));
    CPPUNIT_ASSERT_EQUAL(std::string("prometheus"),
                         queryValue("a=1&format=prometheus&b", "format"));
    CPPUNIT_ASSERT_EQUAL(std::string("last"), queryValue("format=first&format=last", "format"));
    CPPUNIT_ASSERT_EQUAL(std::string("a b/c"), queryValue("q=a+b%2Fc", "q"));
    CPPUNIT_ASSERT_EQUAL(std::string("100%"), queryValue("q=100%", "q"));  // a lone % stays
    CPPUNIT_ASSERT_EQUAL(std::string("%zz"), queryValue("q=%zz", "q"));
    CPPUNIT_ASSERT_EQUAL(std::string("json"), queryValue("for%6Dat=json", "format"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), queryValue("formats=json", "format"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), queryValue("format", "format"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), queryValue("", "format"));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PageAccessTest, "status");
