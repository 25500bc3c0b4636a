#include "shared/offload/forwarded.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::offload;

class ForwardedTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ForwardedTest);
  CPPUNIT_TEST(nodesFollowRfc7239);
  CPPUNIT_TEST(valuesAreTokensOrQuoted);
  CPPUNIT_TEST(elementsLeaveOutWhatIsMissing);
  CPPUNIT_TEST(cidrMatching);
  CPPUNIT_TEST(badCidrsSayWhatIsAccepted);
  CPPUNIT_TEST(incomingChainsAreValidated);
  CPPUNIT_TEST(unsafeValues);
  CPPUNIT_TEST(addressesWithNulAreNotAddresses);
  CPPUNIT_TEST_SUITE_END();

 public:
  void nodesFollowRfc7239() {
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.60"), forwardedNode("192.0.2.60"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"192.0.2.60:4711\""), forwardedNode("192.0.2.60", 4711));
    CPPUNIT_ASSERT_EQUAL(std::string("\"[2001:db8:cafe::17]\""),
                         forwardedNode("2001:db8:cafe::17"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"[2001:db8:cafe::17]:4711\""),
                         forwardedNode("2001:db8:cafe::17", 4711));
    // Normalised, so two spellings of one address look the same to the member.
    CPPUNIT_ASSERT_EQUAL(std::string("\"[2001:db8::1]\""), forwardedNode("2001:0db8:0:0:0:0:0:1"));
    CPPUNIT_ASSERT_EQUAL(std::string("unknown"), forwardedNode(""));
    CPPUNIT_ASSERT_EQUAL(std::string("unknown"), forwardedNode("not-an-address", 80));
  }
  void valuesAreTokensOrQuoted() {
    CPPUNIT_ASSERT_EQUAL(std::string("example.com"), forwardedValue("example.com"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"example.com:8443\""), forwardedValue("example.com:8443"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"a\\\"b\\\\c\""), forwardedValue("a\"b\\c"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\""), forwardedValue(""));
  }
  void elementsLeaveOutWhatIsMissing() {
    ForwardedFacts f;
    f.forNode = forwardedNode("192.0.2.43");
    f.proto = "https";
    f.host = "shop.example:8443";
    CPPUNIT_ASSERT_EQUAL(std::string("for=192.0.2.43;proto=https;host=\"shop.example:8443\""),
                         forwardedElement(f));
    f.host = "evil\r\nX: y";  // never forwarded
    CPPUNIT_ASSERT_EQUAL(std::string("for=192.0.2.43;proto=https"), forwardedElement(f));
    CPPUNIT_ASSERT(validForwarded(forwardedElement(f)));
  }
  void cidrMatching() {
    TrustedProxies t;
    t.add(Cidr::parse("10.0.0.0/8").value());
    t.add(Cidr::parse("192.0.2.7").value());
    t.add(Cidr::parse("2001:db8::/32").value());
    t.add(Cidr::parse("172.16.0.0/12").value());
    CPPUNIT_ASSERT(t.trusts("10.200.3.4"));
    CPPUNIT_ASSERT(!t.trusts("11.0.0.1"));
    CPPUNIT_ASSERT(t.trusts("192.0.2.7"));
    CPPUNIT_ASSERT(!t.trusts("192.0.2.8"));
    CPPUNIT_ASSERT(t.trusts("2001:db8:1::5"));
    CPPUNIT_ASSERT(!t.trusts("2001:db9::5"));
    CPPUNIT_ASSERT(t.trusts("172.31.255.255"));
    CPPUNIT_ASSERT(!t.trusts("172.32.0.0"));
    CPPUNIT_ASSERT(t.trusts("::ffff:10.1.2.3"));  // IPv4-mapped, from a dual-stack listener
    CPPUNIT_ASSERT(!t.trusts("garbage"));
    CPPUNIT_ASSERT(!TrustedProxies().trusts("10.0.0.1"));
    CPPUNIT_ASSERT(Cidr::parse("0.0.0.0/0").value().contains(*IpAddress::parse("8.8.8.8")));
  }
  void badCidrsSayWhatIsAccepted() {
    for (const char* bad :
         {"10.0.0.0/33", "10.0.0/8", "example.com", "10.0.0.0/", "::/129", "1.2.3.4/x", ""}) {
      auto r = Cidr::parse(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, !r.isOk());
      CPPUNIT_ASSERT(r.status().message().find("accepted: an IPv4 or IPv6 address or network") !=
                     std::string::npos);
    }
  }
  void incomingChainsAreValidated() {
    CPPUNIT_ASSERT(validForwardedFor("203.0.113.9, 10.0.0.2"));
    CPPUNIT_ASSERT(validForwardedFor("2001:db8::1,unknown"));
    CPPUNIT_ASSERT(!validForwardedFor("203.0.113.9, evil.example"));
    CPPUNIT_ASSERT(!validForwardedFor(""));
    CPPUNIT_ASSERT(validForwarded("for=192.0.2.60;proto=http;by=203.0.113.43"));
    CPPUNIT_ASSERT(validForwarded("for=\"[2001:db8::1]:80\", for=unknown"));
    CPPUNIT_ASSERT(!validForwarded("for=\"unterminated"));
    CPPUNIT_ASSERT(!validForwarded("for"));
    CPPUNIT_ASSERT(!validForwarded("for=1.2.3.4;;"));
    CPPUNIT_ASSERT(!validForwarded("for=1.2.3.4 junk"));
  }
  void unsafeValues() {
    CPPUNIT_ASSERT(safeHeaderValue("normal value\twith tab"));
    CPPUNIT_ASSERT(!safeHeaderValue("a\r\nb"));
    CPPUNIT_ASSERT(!safeHeaderValue(std::string("a\0b", 3)));
    CPPUNIT_ASSERT(!safeHeaderValue("\x7f"));
  }
  // Found by tests/fuzz/forward_plan: inet_pton stopped at the NUL, so the whole text, NUL and
  // all, went into X-Forwarded-For and an HTTPS redirect's Location.
  void addressesWithNulAreNotAddresses() {
    const std::string v4("10.0.0.1\0evil", 13), v6("::1\0evil", 8);
    CPPUNIT_ASSERT(!IpAddress::parse(v4));
    CPPUNIT_ASSERT(!IpAddress::parse(v6));
    CPPUNIT_ASSERT_EQUAL(std::string("unknown"), forwardedNode(v4, 80));
    TrustedProxies t;
    t.add(Cidr::parse("10.0.0.0/8").value());
    CPPUNIT_ASSERT(t.trusts("10.0.0.1"));
    CPPUNIT_ASSERT(!t.trusts(v4));
    CPPUNIT_ASSERT(!Cidr::parse(std::string("10.0.0.0\0/8", 11)).isOk());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ForwardedTest, "offload");
