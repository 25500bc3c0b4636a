#include "shared/lb/p2c.h"

#include <cppunit/extensions/HelperMacros.h>

#include <queue>
#include <vector>

using namespace fleet::lb;
using fleet::common::FastRandom;
using fleet::common::ScriptedRandom;

namespace {

// Closed simulation with a fake clock: one request arrives every `gapMicros`; member i answers
// after latencyMicros[i]; in-flight counts are exactly the requests not yet answered.
std::vector<double> simulateShares(std::vector<uint32_t> weights,
                                   std::vector<int64_t> latencyMicros, int requests,
                                   int64_t gapMicros, uint64_t seed) {
  size_t n = weights.size();
  std::vector<Candidate> c(n);
  for (size_t i = 0; i < n; ++i) {
    c[i].weight = weights[i];
  }
  using Done = std::pair<int64_t, size_t>;  // (finish time, member)
  std::priority_queue<Done, std::vector<Done>, std::greater<Done>> pending;
  std::vector<int> picked(n, 0);
  FastRandom rng(seed);
  PickContext ctx(rng);
  PowerOfTwo p2c;
  for (int k = 0; k < requests; ++k) {
    int64_t now = k * gapMicros;
    while (!pending.empty() && pending.top().first <= now) {
      c[pending.top().second].inflight--;
      pending.pop();
    }
    size_t i = p2c.pick(c.data(), n, ctx).index;
    picked[i]++;
    c[i].inflight++;
    pending.push({now + latencyMicros[i], i});
  }
  std::vector<double> shares;
  for (int p : picked) {
    shares.push_back(static_cast<double>(p) / requests);
  }
  return shares;
}

Decision pickP2c(const Candidate* c, size_t n, fleet::common::Random& rng) {
  PickContext ctx(rng);
  return PowerOfTwo().pick(c, n, ctx);
}

}  // namespace

class PowerOfTwoTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PowerOfTwoTest);
  CPPUNIT_TEST(singleCandidateNeedsNoDraw);
  CPPUNIT_TEST(picksTheLessLoadedOfTheTwoDrawn);
  CPPUNIT_TEST(tieGoesToTheFirstDraw);
  CPPUNIT_TEST(drawsAreDistinct);
  CPPUNIT_TEST(loadIsRelativeToWeight);
  CPPUNIT_TEST(zeroWeightCountsAsOne);
  CPPUNIT_TEST(weightedDrawFollowsWeights);
  CPPUNIT_TEST(equalMembersShareEqually);
  CPPUNIT_TEST(heavierMembersGetMoreUnderLoad);
  CPPUNIT_TEST(slowMemberGetsLittleTraffic);
  CPPUNIT_TEST_SUITE_END();

 public:
  void singleCandidateNeedsNoDraw() {
    ScriptedRandom rng({});  // any draw would throw
    Candidate c[1];
    CPPUNIT_ASSERT_EQUAL(size_t(0), pickP2c(c, 1, rng).index);
    CPPUNIT_ASSERT_EQUAL(size_t(0), rng.draws());
  }
  void picksTheLessLoadedOfTheTwoDrawn() {
    Candidate c[4];
    c[0].inflight = 9;
    c[1].inflight = 0;  // least loaded overall, but never drawn below
    c[2].inflight = 5;
    c[3].inflight = 3;
    // Equal weights 1: first draw 2 -> member 2; second draw excludes 2: 2 -> member 3.
    for (Candidate& x : c) {
      x.weight = 1;
    }
    ScriptedRandom rng({2, 2});
    Decision d = pickP2c(c, 4, rng);
    CPPUNIT_ASSERT_EQUAL(size_t(3), d.index);
    CPPUNIT_ASSERT_EQUAL(size_t(2), d.compared[0]);
    CPPUNIT_ASSERT_EQUAL(size_t(3), d.compared[1]);
    CPPUNIT_ASSERT_EQUAL(size_t(2), d.ncompared);
  }
  void tieGoesToTheFirstDraw() {
    Candidate c[3];
    ScriptedRandom rng({1, 0});  // member 1, then member 0
    CPPUNIT_ASSERT_EQUAL(size_t(1), pickP2c(c, 3, rng).index);
  }
  void drawsAreDistinct() {
    Candidate c[2];
    c[0].inflight = 4;
    for (uint64_t a = 0; a < 2; ++a) {
      ScriptedRandom rng({a, 0});
      Decision d = pickP2c(c, 2, rng);
      CPPUNIT_ASSERT(d.compared[0] != d.compared[1]);
      CPPUNIT_ASSERT_EQUAL(size_t(1), d.index);
    }
  }
  void loadIsRelativeToWeight() {
    Candidate heavy{400, 5};  // (5+1)/400
    Candidate light{100, 1};  // (1+1)/100: more load per unit of weight
    CPPUNIT_ASSERT(lessLoaded(heavy, light));
    CPPUNIT_ASSERT(!lessLoaded(light, heavy));
    Candidate c[2] = {light, heavy};
    ScriptedRandom rng({0, 0});
    CPPUNIT_ASSERT_EQUAL(size_t(1), pickP2c(c, 2, rng).index);
  }
  void zeroWeightCountsAsOne() {
    Candidate zero{0, 0}, one{1, 0};
    CPPUNIT_ASSERT(!lessLoaded(zero, one));
    CPPUNIT_ASSERT(!lessLoaded(one, zero));
  }
  void weightedDrawFollowsWeights() {
    // 100 000 draws over weights 1:2:3:4; tolerance 1 percentage point (> 4 sigma).
    Candidate c[4] = {{100, 0}, {200, 0}, {300, 0}, {400, 0}};
    FastRandom rng(1);
    std::vector<int> hits(4, 0);
    const int kDraws = 100000;
    for (int i = 0; i < kDraws; ++i) {
      hits[weightedDraw(c, 4, 4, rng)]++;
    }
    for (int i = 0; i < 4; ++i) {
      double share = static_cast<double>(hits[i]) / kDraws;
      CPPUNIT_ASSERT_DOUBLES_EQUAL(0.1 * (i + 1), share, 0.01);
    }
    // Excluding member 3 renormalises over 1:2:3.
    std::vector<int> ex(4, 0);
    for (int i = 0; i < kDraws; ++i) {
      ex[weightedDraw(c, 4, 3, rng)]++;
    }
    CPPUNIT_ASSERT_EQUAL(0, ex[3]);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / 6, static_cast<double>(ex[0]) / kDraws, 0.01);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0 / 6, static_cast<double>(ex[2]) / kDraws, 0.01);
  }
  void equalMembersShareEqually() {
    // 100 000 picks, 4 equal members: each within 1 percentage point of 25 %.
    std::vector<double> s =
        simulateShares({100, 100, 100, 100}, {5000, 5000, 5000, 5000}, 100000, 100, 11);
    for (double share : s) {
      CPPUNIT_ASSERT_DOUBLES_EQUAL(0.25, share, 0.01);
    }
  }
  void heavierMembersGetMoreUnderLoad() {
    // Weights 1:3, equal latency, ~50 requests in flight: the heavy member's share is within
    // 5 points of 75 % (the +1 in the cost pulls shares slightly toward equal).
    std::vector<double> s = simulateShares({100, 300}, {5000, 5000}, 100000, 100, 12);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(0.75, s[1], 0.05);
  }
  void slowMemberGetsLittleTraffic() {
    // One of four members answers 10x slower: it must get under half its fair 25 %.
    std::vector<double> s =
        simulateShares({100, 100, 100, 100}, {2000, 2000, 2000, 20000}, 100000, 100, 13);
    CPPUNIT_ASSERT(s[3] < 0.125);
    for (int i = 0; i < 3; ++i) {
      CPPUNIT_ASSERT(s[i] > 0.25);
    }
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PowerOfTwoTest, "lb");
