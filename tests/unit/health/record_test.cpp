#include "shared/health/record.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <memory>

using namespace fleet::health;

namespace {

ProbeResult result(bool passed, const std::string& reason, int status = 0, int certDays = -1) {
  ProbeResult r;
  r.passed = passed;
  r.reason = reason;
  r.status = status;
  r.latencyMicros = 1500;
  r.certDaysLeft = certDays;
  return r;
}

// Shared memory starts zeroed; so does this.
std::unique_ptr<HealthRecord> zeroed() {
  auto rec = std::make_unique<HealthRecord>();
  std::memset(static_cast<void*>(rec.get()), 0, sizeof(HealthRecord));
  return rec;
}

}  // namespace

class RecordTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RecordTest);
  CPPUNIT_TEST(aFreshRecordSaysNeverChecked);
  CPPUNIT_TEST(lastResultAndHistory);
  CPPUNIT_TEST(longReasonsAreCut);
  CPPUNIT_TEST(certificateDaysSurviveAFailedConnect);
  CPPUNIT_TEST_SUITE_END();

 public:
  void aFreshRecordSaysNeverChecked() {
    auto rec = zeroed();
    HealthSnapshot s = readRecord(*rec);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), s.checks);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), s.lastCheckedWall);
    CPPUNIT_ASSERT_EQUAL(-1, s.certDaysLeft);
    CPPUNIT_ASSERT_EQUAL(std::string(""), historyString(s, 10));
  }
  void lastResultAndHistory() {
    auto rec = zeroed();
    recordCheck(*rec, result(true, "ok", 200), false, false, 1000);
    recordCheck(*rec, result(false, "status 503", 503), false, false, 2000);
    recordCheck(*rec, result(false, "status 503", 503), true, true, 3000);
    HealthSnapshot s = readRecord(*rec);
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), s.checks);
    CPPUNIT_ASSERT_EQUAL(std::string("+--"), historyString(s, 10));
    CPPUNIT_ASSERT_EQUAL(std::string("--"), historyString(s, 2));
    CPPUNIT_ASSERT_EQUAL(std::string("status 503"), s.reason);
    CPPUNIT_ASSERT_EQUAL(503, s.lastStatus);
    CPPUNIT_ASSERT(s.failing);
    CPPUNIT_ASSERT(!s.lastPassed);
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), s.transitions);
    CPPUNIT_ASSERT_EQUAL(int64_t(3000), s.changedWall);
    CPPUNIT_ASSERT_EQUAL(int64_t(3000), s.lastCheckedWall);
    CPPUNIT_ASSERT_EQUAL(int64_t(1500), s.lastLatency);
  }
  void longReasonsAreCut() {
    auto rec = zeroed();
    std::string longer(200, 'x');
    recordCheck(*rec, result(false, longer), true, false, 1);
    HealthSnapshot s = readRecord(*rec);
    CPPUNIT_ASSERT_EQUAL(HealthRecord::kReasonWords * 8 - 1, s.reason.size());
    recordCheck(*rec, result(true, "ok"), false, true, 2);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), readRecord(*rec).reason);  // no tail of the old one
    // A member's raw bytes: replaced where invalid, never cut inside a character.
    std::string euros;
    for (int i = 0; i < 20; ++i) {
      euros += "\xE2\x82\xAC";  // 60 bytes of three-byte characters
    }
    recordCheck(*rec, result(false, "bad answer: '\xFF" + euros), true, false, 3);
    std::string r = readRecord(*rec).reason;
    CPPUNIT_ASSERT_EQUAL(std::string("bad answer: '\xEF\xBF\xBD"), r.substr(0, 16));
    CPPUNIT_ASSERT_EQUAL(size_t(0), (r.size() - 16) % 3);  // whole euros only
    CPPUNIT_ASSERT(r.size() <= HealthRecord::kReasonWords * 8 - 1);
  }
  void certificateDaysSurviveAFailedConnect() {
    auto rec = zeroed();
    recordCheck(*rec, result(true, "ok", 200, 0), false, false, 1);  // expires today
    CPPUNIT_ASSERT_EQUAL(0, readRecord(*rec).certDaysLeft);
    recordCheck(*rec, result(false, "connect: Connection refused"), false, false, 2);
    CPPUNIT_ASSERT_EQUAL(0, readRecord(*rec).certDaysLeft);
    recordCheck(*rec, result(true, "ok", 200, 89), false, false, 3);
    CPPUNIT_ASSERT_EQUAL(89, readRecord(*rec).certDaysLeft);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RecordTest, "health");
