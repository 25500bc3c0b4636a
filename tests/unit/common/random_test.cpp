#include "shared/common/random.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>
#include <vector>

using namespace fleet::common;

class RandomTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RandomTest);
  CPPUNIT_TEST(scriptedReturnsValuesInOrderModuloBound);
  CPPUNIT_TEST(scriptedWithoutValuesIsABug);
  CPPUNIT_TEST(fastStaysBelowBoundAndCoversIt);
  CPPUNIT_TEST(fastIsReproducibleFromSeed);
  CPPUNIT_TEST_SUITE_END();

 public:
  void scriptedReturnsValuesInOrderModuloBound() {
    ScriptedRandom r({1, 5, 7});
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), r.below(10));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), r.below(4));  // 5 % 4
    CPPUNIT_ASSERT_EQUAL(uint64_t(7), r.below(10));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), r.below(10));  // starts over
    CPPUNIT_ASSERT_EQUAL(size_t(4), r.draws());
  }
  void scriptedWithoutValuesIsABug() {
    ScriptedRandom r({});
    CPPUNIT_ASSERT_THROW(r.below(3), std::logic_error);
  }
  void fastStaysBelowBoundAndCoversIt() {
    FastRandom r(7);
    std::vector<int> seen(6, 0);
    for (int i = 0; i < 6000; ++i) {
      uint64_t v = r.below(6);
      CPPUNIT_ASSERT(v < 6);
      seen[v]++;
    }
    for (int count : seen) {
      CPPUNIT_ASSERT(count > 800 && count < 1200);  // 1000 expected, > 6 sigma margin
    }
  }
  void fastIsReproducibleFromSeed() {
    FastRandom a(99), b(99), c(100);
    bool differs = false;
    for (int i = 0; i < 10; ++i) {
      uint64_t va = a.next();
      CPPUNIT_ASSERT_EQUAL(va, b.next());
      differs |= va != c.next();
    }
    CPPUNIT_ASSERT(differs);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RandomTest, "common");
