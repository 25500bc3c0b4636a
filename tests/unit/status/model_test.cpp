#include "shared/status/model.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::status;

class ModelTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ModelTest);
  CPPUNIT_TEST(escapesStrings);
  CPPUNIT_TEST(rendersBalancersAndMembers);
  CPPUNIT_TEST(rendersLatencyAndEjection);
  CPPUNIT_TEST(emptyIsValid);
  CPPUNIT_TEST(rendersHealthAndChecker);
  CPPUNIT_TEST(rendersCache);
  CPPUNIT_TEST_SUITE_END();

 public:
  void escapesStrings() {
    CPPUNIT_ASSERT_EQUAL(std::string("\"a\\\"b\\\\c\\n\\u0001\""), jsonString("a\"b\\c\n\x01"));
    // Invalid UTF-8 from a member would make the whole document unparseable by strict clients.
    CPPUNIT_ASSERT_EQUAL(std::string("\"x\xEF\xBF\xBDy\xC3\xA9\""), jsonString("x\xFFy\xC3\xA9"));
  }
  void rendersBalancersAndMembers() {
    BalancerView b{"balancer://web", "p2c", {}, "slow start 30s", {}};
    MemberView m;
    m.name = "http://127.0.0.1:1";
    m.route = "r1";
    m.flags = "Ok";
    m.usable = true;
    m.weight = 100;
    m.inflight = 3;
    m.requests = 10;
    m.elected = 9;
    m.maxConn = 50;
    m.retries = 4;
    m.retryRefusals = 1;
    b.members.push_back(m);
    b.resilience.active = 2;
    b.resilience.retries = 7;
    b.resilience.budgetRefusals = 3;
    b.resilience.queueDepth = 1;
    b.resilience.queued = 11;
    b.resilience.queueFull = 5;
    b.resilience.queueTimeouts = 6;
    CPPUNIT_ASSERT_EQUAL(
        std::string(
            "{\"balancers\":[{\"name\":\"balancer://web\",\"lbmethod\":\"p2c\",\"settings\":\"slow "
            "start 30s\",\"active\":2,\"retries\":7,\"retry_budget_refusals\":3,"
            "\"queue_depth\":1,\"queued\":11,\"queue_full\":5,\"queue_timeouts\":6,\"members\":"
            "[{\"name\":\"http://127.0.0.1:1\",\"route\":\"r1\",\"flags\":\"Ok\",\"usable\":"
            "true,\"weight\":100,\"inflight\":3,\"requests\":10,\"elected\":9,"
            "\"latency_us\":null,\"ejected\":false,\"ejected_for_us\":0,\"ejections\":0,"
            "\"failures\":0,\"drained\":false,\"disabled\":false,\"slow_start_percent\":null,"
            "\"max_conn\":50,\"lbset\":0,\"source\":\"config\",\"retries\":4,"
            "\"retry_budget_refusals\":1,"
            "\"health\":null}]}]}\n"),
        renderJson({b}));
  }
  void rendersLatencyAndEjection() {
    MemberView m;
    m.latencyMicros = 1234.7;
    m.ejected = true;
    m.ejectedForMicros = 30000000;
    m.ejections = 1;
    m.failures = 5;
    std::string j = renderJson({{"b", "ewma", {m}, "", {}}});
    CPPUNIT_ASSERT(j.find("\"latency_us\":1234,\"ejected\":true,\"ejected_for_us\":30000000,"
                          "\"ejections\":1,\"failures\":5") != std::string::npos);
  }
  void rendersHealthAndChecker() {
    MemberView m;
    m.health.checked = true;
    m.health.method = "GET11";
    m.health.intervalMicros = 1000000;
    m.health.failing = true;
    m.health.checks = 7;
    m.health.reason = "status 503";
    m.health.lastStatus = 503;
    m.health.lastLatencyMicros = 800;
    m.health.lastCheckedAgoMicros = 250000;
    m.health.history = "++--";
    m.health.transitions = 1;
    CheckerView c;
    c.pid = 4242;
    c.generation = 3;
    c.members = 1;
    c.probes = 7;
    c.takeovers = 2;
    std::string j = renderJson({{"b", "p2c", {m}, "", {}}}, &c);
    CPPUNIT_ASSERT_MESSAGE(j, j.find("{\"checker\":{\"pid\":4242,\"generation\":3,"
                                     "\"heartbeat_age_us\":0,\"held_for_us\":0,\"members\":1,"
                                     "\"probes\":7,\"takeovers\":2},\"balancers\":") == 0);
    CPPUNIT_ASSERT_MESSAGE(
        j, j.find("\"health\":{\"method\":\"GET11\",\"interval_us\":1000000,"
                  "\"failing\":true,\"checks\":7,\"last_passed\":false,"
                  "\"reason\":\"status 503\",\"status\":503,\"latency_us\":800,"
                  "\"checked_ago_us\":250000,\"history\":\"++--\","
                  "\"cert_days_left\":null,\"transitions\":1}") != std::string::npos);
  }
  void rendersCache() {
    CacheView c;
    c.hits = 9;
    c.misses = 2;
    c.stores = 2;
    c.servers.push_back({"127.0.0.1:11211", false, 40, 3, 250});
    std::string j = renderJson({}, nullptr, &c);
    CPPUNIT_ASSERT_EQUAL(
        std::string("{\"cache\":{\"hits\":9,\"misses\":2,\"stale_served\":0,"
                    "\"revalidated\":0,\"coalesced\":0,\"stores\":2,\"store_failures\":0,"
                    "\"bytes_stored\":0,\"bytes_served\":0,\"purges\":0,\"uncacheable\":0,\"hit_"
                    "for_miss\":0,"
                    "\"servers\":[{\"name\":\"127.0.0.1:11211\",\"up\":false,\"ops\":40,"
                    "\"errors\":3,\"latency_us\":250}]},\"balancers\":[]}\n"),
        j);
  }
  void emptyIsValid() { CPPUNIT_ASSERT_EQUAL(std::string("{\"balancers\":[]}\n"), renderJson({})); }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ModelTest, "status");
