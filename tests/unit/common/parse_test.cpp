#include "shared/common/parse.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::common;

class ParseTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ParseTest);
  CPPUNIT_TEST(durationsWithUnits);
  CPPUNIT_TEST(bareDurationIsSeconds);
  CPPUNIT_TEST(badDurationsAreRejectedWithAcceptedForms);
  CPPUNIT_TEST(sizes);
  CPPUNIT_TEST(badSizes);
  CPPUNIT_TEST(integersRespectRange);
  CPPUNIT_TEST(switches);
  CPPUNIT_TEST(formatsDurations);
  CPPUNIT_TEST_SUITE_END();

 public:
  void durationsWithUnits() {
    CPPUNIT_ASSERT_EQUAL(int64_t(250000), parseDurationMicros("250ms").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(5000000), parseDurationMicros("5s").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(120000000), parseDurationMicros("2m").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(3600000000), parseDurationMicros("1h").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(100), parseDurationMicros("100us").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(7000), parseDurationMicros("7MS").value());
  }
  void bareDurationIsSeconds() {
    CPPUNIT_ASSERT_EQUAL(int64_t(30000000), parseDurationMicros("30").value());
  }
  void badDurationsAreRejectedWithAcceptedForms() {
    for (const char* bad : {"", "ms", "-5s", "5 s", "5sec", "1.5s", "99999999999999999999s",
                            "9223372036854775807h"}) {
      Result<int64_t> r = parseDurationMicros(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, !r.isOk());
      CPPUNIT_ASSERT(r.status().message().find("accepted") != std::string::npos);
      CPPUNIT_ASSERT(r.status().message().find(std::string("'") + bad + "'") != std::string::npos);
    }
  }
  void sizes() {
    CPPUNIT_ASSERT_EQUAL(uint64_t(512), parseSizeBytes("512").value());
    CPPUNIT_ASSERT_EQUAL(uint64_t(64 * 1024), parseSizeBytes("64k").value());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1 << 20), parseSizeBytes("1M").value());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1 << 20), parseSizeBytes("1MB").value());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2) << 30, parseSizeBytes("2g").value());
  }
  void badSizes() {
    for (const char* bad : {"", "k", "-1", "1T", "1.5M", "1 M", "18446744073709551615k"}) {
      CPPUNIT_ASSERT_MESSAGE(bad, !parseSizeBytes(bad).isOk());
    }
  }
  void integersRespectRange() {
    CPPUNIT_ASSERT_EQUAL(int64_t(7), parseInteger("7", 1, 10).value());
    CPPUNIT_ASSERT_EQUAL(int64_t(-3), parseInteger("-3", -5, 5).value());
    CPPUNIT_ASSERT(!parseInteger("11", 1, 10).isOk());
    CPPUNIT_ASSERT(!parseInteger("0", 1, 10).isOk());
    CPPUNIT_ASSERT(!parseInteger("7x", 1, 10).isOk());
    CPPUNIT_ASSERT(!parseInteger("", 1, 10).isOk());
    CPPUNIT_ASSERT(parseInteger("11", 1, 10).status().message().find("from 1 to 10") !=
                   std::string::npos);
  }
  void switches() {
    CPPUNIT_ASSERT(parseSwitch("On").value());
    CPPUNIT_ASSERT(!parseSwitch("off").value());
    CPPUNIT_ASSERT(!parseSwitch("maybe").isOk());
  }
  void formatsDurations() {
    CPPUNIT_ASSERT_EQUAL(std::string("250ms"), formatDurationMicros(250000));
    CPPUNIT_ASSERT_EQUAL(std::string("5s"), formatDurationMicros(5000000));
    CPPUNIT_ASSERT_EQUAL(std::string("2m"), formatDurationMicros(120000000));
    CPPUNIT_ASSERT_EQUAL(std::string("1500us"), formatDurationMicros(1500));
    CPPUNIT_ASSERT_EQUAL(std::string("0s"), formatDurationMicros(0));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ParseTest, "common");
