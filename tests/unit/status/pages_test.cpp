#include "shared/status/pages.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::status;

namespace {
std::vector<BalancerView> sample() {
  MemberView m;
  m.name = "http://10.0.0.7:8080/<script>alert(1)</script>";
  m.route = "m\"1";
  m.usable = true;
  m.weight = 150;
  m.inflight = 2;
  m.requests = 42;
  m.latencyMicros = 1500;
  m.health.checked = true;
  m.health.method = "GET11";
  m.health.checks = 3;
  m.health.lastPassed = false;
  m.health.reason = "status <503>";
  m.health.history = "++-";
  m.hcFailed = true;
  return {{"balancer://web", "p2c", {m}, "slow start 30s", {}}};
}
}  // namespace

class PagesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PagesTest);
  CPPUNIT_TEST(everythingPrintedIsEscaped);
  CPPUNIT_TEST(formsCarryTheNonce);
  CPPUNIT_TEST(prometheusFamiliesAndLabels);
  CPPUNIT_TEST(resilienceCountersInEveryFormat);
  CPPUNIT_TEST_SUITE_END();

 public:
  void everythingPrintedIsEscaped() {
    PageOptions o;
    o.actionUrl = "/fleet-status";
    o.nonce = "n0nce";
    std::string h = renderHtml(sample(), nullptr, nullptr, o);
    CPPUNIT_ASSERT(h.find("<script>") == std::string::npos);
    CPPUNIT_ASSERT(h.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CPPUNIT_ASSERT(h.find("m&quot;1") != std::string::npos);
    CPPUNIT_ASSERT(h.find("status &lt;503&gt;") != std::string::npos);
    CPPUNIT_ASSERT(h.find("HC-fail") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("a&amp;b&lt;&gt;&quot;&#39;"), htmlEscape("a&b<>\"'"));
  }
  void formsCarryTheNonce() {
    PageOptions o;
    o.actionUrl = "/fleet-status";
    o.nonce = "n0nce";
    std::string h = renderHtml(sample(), nullptr, nullptr, o);
    size_t forms = 0, nonces = 0;
    for (size_t p = h.find("<form"); p != std::string::npos; p = h.find("<form", p + 1)) {
      ++forms;
    }
    for (size_t p = h.find("name=\"nonce\" value=\"n0nce\""); p != std::string::npos;
         p = h.find("name=\"nonce\" value=\"n0nce\"", p + 1)) {
      ++nonces;
    }
    CPPUNIT_ASSERT(forms >= 3);
    CPPUNIT_ASSERT_EQUAL(forms, nonces);
    o.actions = false;
    CPPUNIT_ASSERT(renderHtml(sample(), nullptr, nullptr, o).find("<form") == std::string::npos);
  }
  void prometheusFamiliesAndLabels() {
    CacheView c;
    c.hits = 7;
    c.servers.push_back({"127.0.0.1:11211", true, 10, 0, 5});
    std::string p = renderPrometheus(sample(), nullptr, &c);
    CPPUNIT_ASSERT(p.find("# HELP fleet_member_requests_total ") != std::string::npos);
    CPPUNIT_ASSERT(p.find("# TYPE fleet_member_requests_total counter\n") != std::string::npos);
    CPPUNIT_ASSERT(p.find("fleet_member_requests_total{balancer=\"balancer://web\",member=\"http://"
                          "10.0.0.7:8080/<script>alert(1)</script>\"} 42.000000\n") !=
                   std::string::npos);
    CPPUNIT_ASSERT(p.find("fleet_member_latency_seconds{balancer=\"balancer://web\",member=\"http:/"
                          "/10.0.0.7:8080/<script>alert(1)</script>\"} 0.001500\n") !=
                   std::string::npos);
    CPPUNIT_ASSERT(p.find("fleet_cache_hits_total 7\n") != std::string::npos);
    CPPUNIT_ASSERT(p.find("fleet_cache_server_up{server=\"127.0.0.1:11211\"} 1\n") !=
                   std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("a\\\\b\\\"c\\nd"), promLabel("a\\b\"c\nd"));
    CPPUNIT_ASSERT(p.find("fleet_member_cert_days_left") !=
                   std::string::npos);  // family present...
    CPPUNIT_ASSERT(p.find("fleet_member_cert_days_left{") ==
                   std::string::npos);  // ...no unknown sample
  }
  void resilienceCountersInEveryFormat() {
    std::vector<BalancerView> b = sample();
    b[0].resilience.retries = 12;
    b[0].resilience.queueDepth = 3;
    b[0].resilience.queueTimeouts = 2;
    b[0].members[0].retries = 5;
    b[0].members[0].maxConn = 40;
    std::string p = renderPrometheus(b, nullptr, nullptr);
    CPPUNIT_ASSERT(p.find("# TYPE fleet_balancer_retries_total counter\n"
                          "fleet_balancer_retries_total{balancer=\"balancer://web\"} 12\n") !=
                   std::string::npos);
    CPPUNIT_ASSERT(p.find("fleet_balancer_queue_depth{balancer=\"balancer://web\"} 3\n") !=
                   std::string::npos);
    CPPUNIT_ASSERT(p.find("fleet_balancer_queue_timeouts_total{balancer=\"balancer://web\"} 2\n") !=
                   std::string::npos);
    CPPUNIT_ASSERT(p.find("fleet_member_retries_total{balancer=\"balancer://web\"") !=
                   std::string::npos);
    CPPUNIT_ASSERT(p.find("} 40.000000\n") != std::string::npos);  // fleet_member_max_conn
    PageOptions o;
    std::string h = renderHtml(b, nullptr, nullptr, o);
    CPPUNIT_ASSERT(h.find("12 retries, 0 refused by the retry budget; queue: 3 waiting now") !=
                   std::string::npos);
    CPPUNIT_ASSERT(renderHtml(sample(), nullptr, nullptr, o).find("retries, ") ==
                   std::string::npos);  // nothing to say: no line
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PagesTest, "status");
