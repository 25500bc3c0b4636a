#include "shared/lb/ewma.h"

#include <cppunit/extensions/HelperMacros.h>

#include <queue>
#include <vector>

#include "shared/common/clock.h"
#include "shared/lb/peak_ewma.h"

using namespace fleet::lb;
using fleet::common::FastRandom;
using fleet::common::ManualClock;
using fleet::common::ScriptedRandom;

namespace {

Decision pickEwma(const Candidate* c, size_t n, fleet::common::Random& rng) {
  PickContext ctx(rng);
  return Ewma().pick(c, n, ctx);
}

}  // namespace

class EwmaTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(EwmaTest);
  CPPUNIT_TEST(lowerLatencyWinsAtEqualLoad);
  CPPUNIT_TEST(loadMultipliesLatency);
  CPPUNIT_TEST(unsampledMemberGetsTheMeanEstimate);
  CPPUNIT_TEST(noSamplesAtAllFallsBackToInflight);
  CPPUNIT_TEST(trafficLeavesASlowMemberWithinBoundedRequests);
  CPPUNIT_TEST(failingFastMemberDoesNotAttractTraffic);
  CPPUNIT_TEST_SUITE_END();

 public:
  void lowerLatencyWinsAtEqualLoad() {
    Candidate c[2] = {{100, 0, 1, 20000}, {100, 0, 2, 1000}};
    ScriptedRandom rng({0, 0});  // draws member 0 then member 1
    Decision d = pickEwma(c, 2, rng);
    CPPUNIT_ASSERT_EQUAL(size_t(1), d.index);
    CPPUNIT_ASSERT_EQUAL(size_t(2), d.ncompared);
  }
  void loadMultipliesLatency() {
    // 1 ms with 30 in flight costs 31 ms; 20 ms idle costs 20 ms.
    Candidate busy{100, 30, 1, 1000}, idle{100, 0, 2, 20000};
    CPPUNIT_ASSERT(cheaper(idle, busy, 1));
    // Weight divides: 4x the weight carries 4x the cost.
    Candidate heavy{400, 30, 3, 1000};
    CPPUNIT_ASSERT(cheaper(heavy, idle, 1));
  }
  void unsampledMemberGetsTheMeanEstimate() {
    // Samples 1 ms and 3 ms: the newcomer counts as 2 ms, so it beats the 3 ms member...
    Candidate c[3] = {{100, 0, 1, 1000}, {100, 0, 2, 3000}, {100, 0, 3, -1}};
    ScriptedRandom rng({200, 100});  // weights 100 each: draw 200 -> member 2; then 100 -> member 1
    CPPUNIT_ASSERT_EQUAL(size_t(2), pickEwma(c, 3, rng).index);
    // ...and loses to the 1 ms one.
    ScriptedRandom rng2({200, 0});
    CPPUNIT_ASSERT_EQUAL(size_t(0), pickEwma(c, 3, rng2).index);
  }
  void noSamplesAtAllFallsBackToInflight() {
    Candidate c[2] = {{100, 5, 1, -1}, {100, 1, 2, -1}};
    ScriptedRandom rng({0, 0});
    CPPUNIT_ASSERT_EQUAL(size_t(1), pickEwma(c, 2, rng).index);
  }
  void trafficLeavesASlowMemberWithinBoundedRequests() {
    // Four members answering in 1 ms; at request 1000 member 3 turns 20 ms slow. Requests every
    // 100 us (10 per ms, ~10 in flight). Within 200 requests of the change, member 3's share of
    // the next 2000 requests must be under 5 % (it was 25 %).
    ManualClock clock;
    FastRandom rng(5);
    std::vector<std::atomic<uint64_t>> est(4);
    std::vector<int64_t> latency = {1000, 1000, 1000, 1000};
    std::vector<Candidate> c(4);
    for (int i = 0; i < 4; ++i) {
      c[i] = {100, 0, uint64_t(i + 1), -1};
    }
    using Done = std::tuple<int64_t, int, int64_t>;  // finish, member, start
    std::priority_queue<Done, std::vector<Done>, std::greater<Done>> pending;
    const int64_t kTau = 10000000;
    int toSlowAfter = 0;
    for (int k = 0; k < 3200; ++k) {
      int64_t now = k * 100;
      clock.setMicros(now);
      if (k == 1000) {
        latency[3] = 20000;
      }
      while (!pending.empty() && std::get<0>(pending.top()) <= now) {
        auto [finish, m, start] = pending.top();
        pending.pop();
        c[m].inflight--;
        PeakEwma::observe(est[m], double(finish - start), finish, kTau);
      }
      for (int i = 0; i < 4; ++i) {
        c[i].latencyMicros = PeakEwma::read(est[i].load(), now, kTau);
      }
      PickContext ctx(rng);
      int m = int(Ewma().pick(c.data(), 4, ctx).index);
      c[m].inflight++;
      pending.push({now + latency[m], m, now});
      if (k >= 1200 && m == 3) {
        toSlowAfter++;
      }
    }
    CPPUNIT_ASSERT_MESSAGE(std::to_string(toSlowAfter), toSlowAfter < 100);  // < 5 % of 2000
  }
  void failingFastMemberDoesNotAttractTraffic() {
    // A member that fails in 0.1 ms is recorded with the error penalty (500 ms) and loses.
    std::atomic<uint64_t> failing{0}, healthy{0};
    PeakEwma::observe(failing, 500000, 0, 10000000);
    PeakEwma::observe(healthy, 2000, 0, 10000000);
    Candidate c[2] = {{100, 0, 1, PeakEwma::read(failing.load(), 1000, 10000000)},
                      {100, 5, 2, PeakEwma::read(healthy.load(), 1000, 10000000)}};
    ScriptedRandom rng({0, 0});
    CPPUNIT_ASSERT_EQUAL(size_t(1), pickEwma(c, 2, rng).index);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(EwmaTest, "lb");
