#include "shared/health/blocking_resolver.h"

#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>

#include <string>

using namespace fleet::health;

class BlockingResolverTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(BlockingResolverTest);
  CPPUNIT_TEST(addressLiteralsAnswerAtOnce);
  CPPUNIT_TEST(anUnknownHostFailsWithTheReason);
  CPPUNIT_TEST_SUITE_END();

 public:
  void addressLiteralsAnswerAtOnce() {
    BlockingResolver resolver;
    Resolution v4 = resolver.resolve("127.0.0.1", 8080);
    CPPUNIT_ASSERT(v4.kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT_EQUAL(socklen_t(sizeof(sockaddr_in)), v4.addrLen);
    const auto* in = reinterpret_cast<const sockaddr_in*>(&v4.addr);
    CPPUNIT_ASSERT_EQUAL(uint16_t(8080), ntohs(in->sin_port));
    CPPUNIT_ASSERT_EQUAL(uint32_t(INADDR_LOOPBACK), ntohl(in->sin_addr.s_addr));
    Resolution v6 = resolver.resolve("::1", 443);
    CPPUNIT_ASSERT(v6.kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT_EQUAL(int(AF_INET6), int(v6.addr.ss_family));
  }
  void anUnknownHostFailsWithTheReason() {
    Resolution r = BlockingResolver().resolve("no-such-host.invalid", 80);
    CPPUNIT_ASSERT(r.kind == ResolveKind::kFailed);
    CPPUNIT_ASSERT_MESSAGE(r.error, r.error.find("cannot resolve no-such-host.invalid") == 0);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(BlockingResolverTest, "health");
