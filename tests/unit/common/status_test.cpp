#include "shared/common/status.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::common;

class StatusTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StatusTest);
  CPPUNIT_TEST(okAndErrors);
  CPPUNIT_TEST(resultCarriesValueOrStatus);
  CPPUNIT_TEST_SUITE_END();

 public:
  void okAndErrors() {
    CPPUNIT_ASSERT(Status::ok().isOk());
    Status s(Code::kTimeout, "memcached took 200ms");
    CPPUNIT_ASSERT(!s.isOk());
    CPPUNIT_ASSERT_EQUAL(std::string("timeout: memcached took 200ms"), s.toString());
  }
  void resultCarriesValueOrStatus() {
    Result<int> good(42);
    CPPUNIT_ASSERT(good.isOk());
    CPPUNIT_ASSERT_EQUAL(42, good.value());
    CPPUNIT_ASSERT(good.status().isOk());
    Result<int> bad(Status(Code::kNotFound, "x"));
    CPPUNIT_ASSERT(!bad.isOk());
    CPPUNIT_ASSERT(bad.status().code() == Code::kNotFound);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(StatusTest, "common");
