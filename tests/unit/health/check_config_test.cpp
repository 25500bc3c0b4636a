#include "shared/health/check_config.h"

#include <cppunit/extensions/HelperMacros.h>
#include <stdlib.h>
#include <unistd.h>

using namespace fleet::health;

class CheckConfigTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CheckConfigTest);
  CPPUNIT_TEST(hcheckParametersMeanWhatTheyMeanThere);
  CPPUNIT_TEST(fleetParameters);
  CPPUNIT_TEST(badValuesNameParameterValueAndAccepted);
  CPPUNIT_TEST(knowsItsNames);
  CPPUNIT_TEST_SUITE_END();

  CheckConfig c;
  void ok(const char* k, const char* v) {
    std::string e = applyCheckParam(&c, k, v);
    CPPUNIT_ASSERT_MESSAGE(std::string(k) + "=" + v + ": " + e, e.empty());
  }
  std::string err(const char* k, const char* v) { return applyCheckParam(&c, k, v); }

 public:
  void hcheckParametersMeanWhatTheyMeanThere() {
    CPPUNIT_ASSERT(c.spec.method == ProbeMethod::kNone);  // not checked unless asked
    CPPUNIT_ASSERT_EQUAL(int64_t(30000000), c.intervalMicros);
    ok("hcmethod", "GET11");
    CPPUNIT_ASSERT(c.spec.method == ProbeMethod::kGet && c.spec.http11);
    ok("hcuri", "/health");
    CPPUNIT_ASSERT_EQUAL(std::string("/health"), c.spec.uri);
    ok("hcinterval", "5");  // seconds, as hcheck
    CPPUNIT_ASSERT_EQUAL(int64_t(5000000), c.intervalMicros);
    ok("HCINTERVAL", "250ms");
    CPPUNIT_ASSERT_EQUAL(int64_t(250000), c.intervalMicros);
    ok("hcinterval", "2mi");  // httpd's spelling of minutes
    CPPUNIT_ASSERT_EQUAL(int64_t(120000000), c.intervalMicros);
    ok("hcpasses", "3");
    ok("hcfails", "2");
    CPPUNIT_ASSERT_EQUAL(uint32_t(3), c.passes);
    CPPUNIT_ASSERT_EQUAL(uint32_t(2), c.fails);
    ok("hcexpr", "in_maint");
    CPPUNIT_ASSERT_EQUAL(std::string("in_maint"), c.exprName);
  }
  void fleetParameters() {
    ok("hctimeout", "2s");
    ok("hcjitter", "10");
    ok("hcfastinterval", "1s");
    ok("hcexpect", "200,204");
    ok("hchost", "app.example");
    ok("hcsni", "app.example");
    ok("hcverify", "off");
    ok("hcreuse", "on");
    char path[] = "/tmp/fleet-hcca-XXXXXX";  // a file that exists and can be read
    int fd = mkstemp(path);
    close(fd);
    ok("hcca", path);
    unlink(path);
    CPPUNIT_ASSERT_EQUAL(std::string(path), c.caFile);
    CPPUNIT_ASSERT_EQUAL(int64_t(2000000), c.timeoutMicros);
    CPPUNIT_ASSERT_EQUAL(uint32_t(10), c.jitterPercent);
    CPPUNIT_ASSERT_EQUAL(int64_t(1000000), c.fastIntervalMicros);
    CPPUNIT_ASSERT(c.expect.contains(204) && !c.expect.contains(301));
    CPPUNIT_ASSERT_EQUAL(std::string("app.example"), c.spec.host);
    CPPUNIT_ASSERT_EQUAL(std::string("app.example"), c.sni);
    CPPUNIT_ASSERT(!c.verify);
    ok("hcfastinterval", "0");  // off
    CPPUNIT_ASSERT_EQUAL(int64_t(0), c.fastIntervalMicros);
  }
  void badValuesNameParameterValueAndAccepted() {
    CPPUNIT_ASSERT(
        err("hcmethod", "PUT").find("hcmethod='PUT' is not valid; accepted: NONE, TCP") == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("hcinterval='50ms' is not valid; accepted: at least 100ms"),
                         err("hcinterval", "50ms"));
    CPPUNIT_ASSERT(err("hcinterval", "soon").find("accepted: a duration") != std::string::npos);
    CPPUNIT_ASSERT(
        err("hcuri", std::string(64, 'a').insert(0, "/").c_str()).find("shorter than 64") !=
        std::string::npos);
    CPPUNIT_ASSERT(err("hcuri", "health").find("starting with /") != std::string::npos);
    CPPUNIT_ASSERT(err("hcpasses", "-1").find("from 0 to 1000") != std::string::npos);
    CPPUNIT_ASSERT(err("hcjitter", "60").find("from 0 to 50") != std::string::npos);
    CPPUNIT_ASSERT(err("hcexpr", "a_name_that_is_too_long").find("1 to 15") != std::string::npos);
    CPPUNIT_ASSERT(err("hcexpect", "2xx").find("hcexpect='2xx' is not valid") == 0);
    CPPUNIT_ASSERT(err("hchost", "a b").find("without spaces") != std::string::npos);
    CPPUNIT_ASSERT(err("hcverify", "maybe").find("on or off") != std::string::npos);
    CPPUNIT_ASSERT(err("hcca", "rel.pem").find("absolute path") != std::string::npos);
    // A file that is not there fails the configuration test, naming the path.
    CPPUNIT_ASSERT_EQUAL(
        std::string("hcca='/no/such/ca.pem' cannot be read (No such file or directory); "
                    "accepted: an absolute path to a readable PEM file"),
        err("hcca", "/no/such/ca.pem"));
    CPPUNIT_ASSERT(err("hctimeout", "1ms").find("at least 10ms") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("unknown health check parameter 'hcfoo'"), err("hcfoo", "1"));
    // A rejected value leaves the setting as it was.
    CPPUNIT_ASSERT_EQUAL(int64_t(30000000), c.intervalMicros);
  }
  void knowsItsNames() {
    CPPUNIT_ASSERT(isCheckParam("hcmethod") && isCheckParam("HcTemplate") && isCheckParam("hcca"));
    CPPUNIT_ASSERT(!isCheckParam("loadfactor") && !isCheckParam("hc"));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(CheckConfigTest, "health");
