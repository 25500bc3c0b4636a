#include "shared/lb/trace.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::lb;

class TraceTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TraceTest);
  CPPUNIT_TEST(namesChoiceAndBothCompared);
  CPPUNIT_TEST(singleCandidateHasNoComparison);
  CPPUNIT_TEST(truncatesToTheBufferAndTerminates);
  CPPUNIT_TEST(negativeNumbers);
  CPPUNIT_TEST(latencyShownWhenKnown);
  CPPUNIT_TEST(panicEjectedWalkedAndKey);
  CPPUNIT_TEST_SUITE_END();

 public:
  void namesChoiceAndBothCompared() {
    const char* labels[] = {"m1", "m2", "m3", "m4"};
    Candidate c[4] = {{100, 0}, {100, 3}, {100, 1}, {100, 7}};
    Decision d;
    d.index = 1;
    d.compared[0] = 3;
    d.compared[1] = 1;
    d.ncompared = 2;
    CPPUNIT_ASSERT_EQUAL(
        std::string("p2c m2 [m4 inflight=7 weight=100 | m2 inflight=3 weight=100] of 4"),
        describeDecision("p2c", labels, c, 4, d));
  }
  void singleCandidateHasNoComparison() {
    const char* labels[] = {"http://a"};
    Candidate c[1];
    CPPUNIT_ASSERT_EQUAL(std::string("p2c http://a of 1"),
                         describeDecision("p2c", labels, c, 1, Decision()));
  }
  void truncatesToTheBufferAndTerminates() {
    const char* labels[] = {"member-one", "member-two"};
    Candidate c[2];
    Decision d;
    char buf[8];
    CPPUNIT_ASSERT_EQUAL(size_t(7), describeDecision(buf, sizeof buf, "p2c", labels, c, 2, d));
    CPPUNIT_ASSERT_EQUAL(std::string("p2c mem"), std::string(buf));
    CPPUNIT_ASSERT_EQUAL(size_t(0), describeDecision(buf, 0, "p2c", labels, c, 2, d));
  }
  void latencyShownWhenKnown() {
    const char* labels[] = {"a", "b"};
    Candidate c[2] = {{100, 1, 1, 1500.6}, {100, 0, 2, -1}};
    Decision d;
    d.compared[0] = 0;
    d.compared[1] = 1;
    d.ncompared = 2;
    CPPUNIT_ASSERT_EQUAL(
        std::string(
            "ewma a [a inflight=1 weight=100 latency_us=1500 | b inflight=0 weight=100] of 2"),
        describeDecision("ewma", labels, c, 2, d));
  }
  void panicEjectedWalkedAndKey() {
    const char* labels[] = {"m1", "m2"};
    Candidate c[2];
    Decision d;
    d.index = 1;
    d.walked = 2;
    TraceExtras x;
    x.ejected = 1;
    x.key = "user\r\n\"7\"";
    CPPUNIT_ASSERT_EQUAL(std::string("maglev m2 of 2 ejected=1 walked=2 key=\"user???7?\""),
                         describeDecision("maglev", labels, c, 2, d, x));
    TraceExtras p;
    p.panic = true;
    CPPUNIT_ASSERT_EQUAL(std::string("p2c m1 of 2 panic ejected=0 walked=0"),
                         describeDecision("p2c", labels, c, 2, Decision(), p));
    TraceExtras longKey;
    std::string k(100, 'k');
    longKey.key = k.c_str();
    CPPUNIT_ASSERT_EQUAL(std::string("maglev m1 of 2 key=\"") + std::string(64, 'k') + "\"",
                         describeDecision("maglev", labels, c, 2, Decision(), longKey));
  }
  void negativeNumbers() {
    const char* labels[] = {"a"};
    Candidate c[1] = {{1, -3}};
    Decision d;
    d.ncompared = 1;
    CPPUNIT_ASSERT_EQUAL(std::string("x a [a inflight=-3 weight=1] of 1"),
                         describeDecision("x", labels, c, 1, d));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(TraceTest, "lb");
