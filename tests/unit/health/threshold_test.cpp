#include "shared/health/threshold.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::health;

class ThresholdTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ThresholdTest);
  CPPUNIT_TEST(failsAfterFailsInARow);
  CPPUNIT_TEST(recoversAfterPassesInARow);
  CPPUNIT_TEST(oneOfEachIsTheDefault);
  CPPUNIT_TEST_SUITE_END();

  bool failing = false;
  uint32_t p = 0, f = 0;

 public:
  void failsAfterFailsInARow() {
    Threshold t{2, 3};
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kNone);
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kNone);
    CPPUNIT_ASSERT(t.record(true, &failing, &p, &f) == Transition::kNone);  // restarts the count
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), f);
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kNone);
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kNone);
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kFailed);
    CPPUNIT_ASSERT(failing);
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kNone);  // already failing
  }
  void recoversAfterPassesInARow() {
    Threshold t{2, 1};
    failing = true;
    CPPUNIT_ASSERT(t.record(true, &failing, &p, &f) == Transition::kNone);
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), p);
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kNone);  // restarts the count
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), p);
    CPPUNIT_ASSERT(t.record(true, &failing, &p, &f) == Transition::kNone);
    CPPUNIT_ASSERT(t.record(true, &failing, &p, &f) == Transition::kRecovered);
    CPPUNIT_ASSERT(!failing);
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), p);
  }
  void oneOfEachIsTheDefault() {
    Threshold t;
    CPPUNIT_ASSERT(t.record(false, &failing, &p, &f) == Transition::kFailed);
    CPPUNIT_ASSERT(t.record(true, &failing, &p, &f) == Transition::kRecovered);
    Threshold zeros{0, 0};  // treated as 1, as hcheck does
    CPPUNIT_ASSERT(zeros.record(false, &failing, &p, &f) == Transition::kFailed);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ThresholdTest, "health");
