// The memcached server list (the store against a real memcached is tests/integration/store).
#include "shared/cache/store.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace fleet::cache;

class StoreTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StoreTest);
  CPPUNIT_TEST(serverLists);
  CPPUNIT_TEST_SUITE_END();

 public:
  void serverLists() {
    auto l = parseServers("127.0.0.1:11211 cache2 10.0.0.3:11300").value();
    CPPUNIT_ASSERT_EQUAL(size_t(3), l.size());
    CPPUNIT_ASSERT_EQUAL(11211, l[1].second);
    CPPUNIT_ASSERT(parseServers("h:99999").status().message().find(
                       "'h:99999' is not valid; accepted: host:port") == 0);
    CPPUNIT_ASSERT(!parseServers("  ").isOk());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(StoreTest, "cache");
