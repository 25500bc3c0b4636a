#include "shared/health/plan.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::health;

class PlanTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PlanTest);
  CPPUNIT_TEST(hostHeaders);
  CPPUNIT_TEST(defaultsFromTheMember);
  CPPUNIT_TEST(ownSettingsWin);
  CPPUNIT_TEST_SUITE_END();

 public:
  void hostHeaders() {
    CPPUNIT_ASSERT_EQUAL(std::string("app1"), hostHeader({"http", "app1", 80, "", 0}));
    CPPUNIT_ASSERT_EQUAL(std::string("app1:8080"), hostHeader({"http", "app1", 8080, "", 0}));
    CPPUNIT_ASSERT_EQUAL(std::string("app1"), hostHeader({"HTTPS", "app1", 443, "", 0}));
    CPPUNIT_ASSERT_EQUAL(std::string("app1:443"), hostHeader({"http", "app1", 443, "", 0}));
    CPPUNIT_ASSERT_EQUAL(std::string("[2001:db8::7]:8443"),
                         hostHeader({"https", "2001:db8::7", 8443, "", 0}));
    CPPUNIT_ASSERT(tlsScheme("wss") && tlsScheme("h2") && !tlsScheme("h2c") && !tlsScheme("http"));
  }
  void defaultsFromTheMember() {
    CheckConfig cfg;
    CheckTarget t =
        planCheck(7, {"https", "app1", 8443, "", 0}, parseProbeMethod("GET11").value(), cfg);
    CPPUNIT_ASSERT_EQUAL(uint64_t(7), t.key);
    CPPUNIT_ASSERT_EQUAL(std::string("/"), t.probe.spec.uri);
    CPPUNIT_ASSERT_EQUAL(std::string("app1:8443"), t.probe.spec.host);
    CPPUNIT_ASSERT(t.probe.spec.http11);
    CPPUNIT_ASSERT(t.probe.tls);
    CPPUNIT_ASSERT_EQUAL(std::string("app1"), t.probe.sni);
    CPPUNIT_ASSERT_EQUAL(int64_t(30000000), t.schedule.intervalMicros);  // hcinterval unset
    CPPUNIT_ASSERT_EQUAL(int64_t(5000000), t.probe.timeoutMicros);
  }
  void ownSettingsWin() {
    CheckConfig cfg;
    applyCheckParam(&cfg, "hchost", "app.example");
    applyCheckParam(&cfg, "hcsni", "tls.example");
    applyCheckParam(&cfg, "hctimeout", "2s");
    applyCheckParam(&cfg, "hcfastinterval", "1s");
    applyCheckParam(&cfg, "hcjitter", "10");
    applyCheckParam(&cfg, "hcreuse", "on");
    CheckTarget t = planCheck(1, {"http", "10.0.0.5", 8080, "/health", 2000000},
                              parseProbeMethod("HEAD").value(), cfg);
    CPPUNIT_ASSERT_EQUAL(std::string("/health"), t.probe.spec.uri);
    CPPUNIT_ASSERT_EQUAL(std::string("app.example"), t.probe.spec.host);
    CPPUNIT_ASSERT_EQUAL(std::string("tls.example"), t.probe.sni);
    CPPUNIT_ASSERT(!t.probe.tls);
    CPPUNIT_ASSERT(t.probe.reuse);
    CPPUNIT_ASSERT_EQUAL(int64_t(2000000), t.probe.timeoutMicros);
    CPPUNIT_ASSERT_EQUAL(int64_t(2000000), t.schedule.intervalMicros);
    CPPUNIT_ASSERT_EQUAL(int64_t(1000000), t.schedule.changingIntervalMicros);
    CPPUNIT_ASSERT_EQUAL(uint32_t(10), t.schedule.jitterPercent);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PlanTest, "health");
