#include "shared/status/actions.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::status;
using fleet::common::Code;

class ActionsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ActionsTest);
  CPPUNIT_TEST(onlyTheSameOrigin);
  CPPUNIT_TEST(nonces);
  CPPUNIT_TEST(formsBecomeActions);
  CPPUNIT_TEST(badFormsAreRefused);
  CPPUNIT_TEST(settingsInOneLine);
  CPPUNIT_TEST_SUITE_END();

 public:
  void onlyTheSameOrigin() {
    const std::string own = "http://lb.example:8080";
    CPPUNIT_ASSERT(sameOrigin(own, own, std::nullopt));
    CPPUNIT_ASSERT(!sameOrigin(own, "http://evil.example", std::nullopt));
    CPPUNIT_ASSERT(!sameOrigin(own, "http://evil.example",
                               "http://lb.example:8080/fleet-status"));  // Origin wins
    CPPUNIT_ASSERT(sameOrigin(own, std::nullopt, "http://lb.example:8080/fleet-status"));
    CPPUNIT_ASSERT(!sameOrigin(own, std::nullopt, "http://lb.example:80800/x"));  // a longer port
    CPPUNIT_ASSERT(!sameOrigin(own, std::nullopt, "http://lb.example:8080.evil.example/"));
    CPPUNIT_ASSERT(
        !sameOrigin(own, std::nullopt, "http://lb.example:8080"));  // no path: not the page
    CPPUNIT_ASSERT(!sameOrigin(own, std::nullopt, std::nullopt));
  }
  void nonces() {
    CPPUNIT_ASSERT(nonceMatches("abc123", "abc123"));
    CPPUNIT_ASSERT(!nonceMatches("abc123", "abc124"));
    CPPUNIT_ASSERT(!nonceMatches("abc123", "abc12"));
    CPPUNIT_ASSERT(!nonceMatches("", ""));  // no nonce generated: nothing matches
  }
  void formsBecomeActions() {
    Action a =
        planAction({{"action", "drain"}, {"b", "balancer://web"}, {"w", "http://m1"}}).value();
    CPPUNIT_ASSERT(a.kind == Action::Kind::kManage);
    CPPUNIT_ASSERT_EQUAL(std::string("w_status_N"), a.managerKey);
    CPPUNIT_ASSERT_EQUAL(std::string("1"), a.managerValue);
    CPPUNIT_ASSERT_EQUAL(std::string("drained http://m1"), a.done);
    a = planAction({{"action", "enable"}, {"b", "balancer://web"}, {"w", "http://m1"}}).value();
    CPPUNIT_ASSERT_EQUAL(std::string("w_status_D"), a.managerKey);
    CPPUNIT_ASSERT_EQUAL(std::string("0"), a.managerValue);
    a = planAction({{"action", "weight"}, {"b", "b"}, {"w", "w"}, {"value", "7"}}).value();
    CPPUNIT_ASSERT_EQUAL(std::string("w_lf"), a.managerKey);
    CPPUNIT_ASSERT_EQUAL(std::string("7"), a.managerValue);
    a = planAction({{"action", "reset"}, {"b", "b"}, {"w", "w"}}).value();
    CPPUNIT_ASSERT(a.kind == Action::Kind::kResetEjection);
    a = planAction({{"action", "purge"}, {"value", "tag:x"}}).value();
    CPPUNIT_ASSERT(a.kind == Action::Kind::kPurge);
    CPPUNIT_ASSERT_EQUAL(std::string("tag:x"), a.value);
  }
  void badFormsAreRefused() {
    CPPUNIT_ASSERT(planAction({{"action", "explode"}, {"b", "b"}, {"w", "w"}}).status().code() ==
                   Code::kNotFound);
    CPPUNIT_ASSERT(planAction({}).status().code() == Code::kNotFound);
    auto w = planAction({{"action", "weight"}, {"b", "b"}, {"w", "w"}, {"value", "9000"}});
    CPPUNIT_ASSERT(w.status().code() == Code::kInvalidArgument);
    CPPUNIT_ASSERT_EQUAL(std::string("weight '9000' is not a whole number from 1 to 100"),
                         w.status().message());
    CPPUNIT_ASSERT(planAction({{"action", "drain"}, {"b", "b"}}).status().code() ==
                   Code::kInvalidArgument);
  }
  void settingsInOneLine() {
    fleet::lb::HealthConfig h;
    h.slowStartMicros = 30000000;
    h.consecutiveFailures = 5;
    h.baseEjectionMicros = 30000000;
    h.maxEjectionMicros = 300000000;
    h.maxEjectedPercent = 10;
    h.panicPercent = 50;
    CPPUNIT_ASSERT_EQUAL(
        std::string(
            "slow start 30s, eject after 5 failures for 30s..5m, at most 10%, panic below 50%"),
        describeSettings(h));
    h.slowStartMicros = 0;
    h.consecutiveFailures = 0;
    CPPUNIT_ASSERT_EQUAL(std::string("panic below 50%"), describeSettings(h));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ActionsTest, "status");
