#include "shared/resilience/settings.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::resilience;

class SettingsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SettingsTest);
  CPPUNIT_TEST(budgetPercentAndFloor);
  CPPUNIT_TEST(queueLengthAndTimeout);
  CPPUNIT_TEST(latencyOutlierFactorAndProbe);
  CPPUNIT_TEST(fixedPointIsStrict);
  CPPUNIT_TEST_SUITE_END();

  static bool says(const fleet::common::Status& s, const std::string& text) {
    return s.message().find(text) != std::string::npos;
  }

 public:
  void budgetPercentAndFloor() {
    BudgetConfig b = parseBudget({"25"}).value();
    CPPUNIT_ASSERT_EQUAL(25u, b.percent);
    CPPUNIT_ASSERT_EQUAL(3u, b.minConcurrent);  // the default floor
    CPPUNIT_ASSERT_EQUAL(0u, parseBudget({"10", "0"}).value().minConcurrent);
    CPPUNIT_ASSERT(says(parseBudget({"101"}).status(), "'101' is not valid; accepted: a percent"));
    CPPUNIT_ASSERT(says(parseBudget({"20", "-1"}).status(), "retries in flight always allowed"));
  }
  void queueLengthAndTimeout() {
    QueueConfig q = parseQueue({"100", "5s"}).value();
    CPPUNIT_ASSERT_EQUAL(100u, q.length);
    CPPUNIT_ASSERT_EQUAL(int64_t(5000000), q.timeoutMicros);
    CPPUNIT_ASSERT_EQUAL(0u, parseQueue({"off"}).value().length);
    CPPUNIT_ASSERT(says(parseQueue({"0", "5s"}).status(), "a queue length from 1 to 1024"));
    CPPUNIT_ASSERT(says(parseQueue({"2000", "5s"}).status(), "'2000' is not valid"));
    CPPUNIT_ASSERT(says(parseQueue({"10", "soon"}).status(), "a timeout from 1ms to 1h"));
    CPPUNIT_ASSERT(says(parseQueue({"10"}).status(), "takes a length and a timeout"));
  }
  void latencyOutlierFactorAndProbe() {
    fleet::lb::LatencyOutlier o = parseLatencyOutlier({"2.5"}).value();
    CPPUNIT_ASSERT_DOUBLES_EQUAL(2.5, o.factor, 1e-9);
    CPPUNIT_ASSERT_EQUAL(500u, o.probePpm);
    CPPUNIT_ASSERT_EQUAL(1000u, parseLatencyOutlier({"3", "0.1"}).value().probePpm);
    CPPUNIT_ASSERT_EQUAL(0u, parseLatencyOutlier({"3", "0"}).value().probePpm);
    CPPUNIT_ASSERT(parseLatencyOutlier({"off"}).value().factor == 0);
    CPPUNIT_ASSERT(says(parseLatencyOutlier({"1"}).status(), "a factor over the other members"));
    CPPUNIT_ASSERT(says(parseLatencyOutlier({"2", "60"}).status(), "a probe share in percent"));
  }
  void fixedPointIsStrict() {
    int64_t v = 0;
    CPPUNIT_ASSERT(parseFixedPoint("2.25", 3, &v) && v == 2250);
    CPPUNIT_ASSERT(parseFixedPoint("7", 2, &v) && v == 700);
    for (const char* bad : {"", ".", "1.", "-1", "+1", "1e3", "1.2345", "1..2", "0x1"}) {
      CPPUNIT_ASSERT_MESSAGE(bad, !parseFixedPoint(bad, 3, &v));
    }
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(SettingsTest, "resilience");
