#include "shared/lb/candidates.h"

#include <cppunit/extensions/HelperMacros.h>

#include <vector>

#include "shared/lb/peak_ewma.h"

using namespace fleet::lb;

namespace {
constexpr int64_t kSec = 1000000;
}

class CandidatesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CandidatesTest);
  CPPUNIT_TEST(everyoneHealthyIsKeptAsIs);
  CPPUNIT_TEST(ejectedMembersAreLeftOut);
  CPPUNIT_TEST(panicKeepsEveryone);
  CPPUNIT_TEST(slowStartRampsTheWeightButNotTheBase);
  CPPUNIT_TEST(aMembersOwnSlowStartWins);
  CPPUNIT_TEST(latencyOnlyWhenWanted);
  CPPUNIT_TEST(memberWithoutSlotStillCounts);
  CPPUNIT_TEST(membersAtTheirLimitAreLeftOut);
  CPPUNIT_TEST(allAtTheirLimitAreKeptToQueue);
  CPPUNIT_TEST(aSlowMemberIsLeftOutButProbed);
  CPPUNIT_TEST(outliersStayWhenThePanicThresholdNeedsThem);
  CPPUNIT_TEST(outliersNeedTheSettingAndLatency);
  CPPUNIT_TEST_SUITE_END();

  std::vector<MemberSlot> mem = std::vector<MemberSlot>(32);
  MemberTable table = MemberTable::format(mem.data(), mem.size() * sizeof(MemberSlot));
  MemberInput in[4];
  Candidate out[4];
  size_t kept[4];
  uint32_t base[4];
  CandidateSettings s;
  int64_t now = 100 * kSec;

  void setUpMembers() {
    for (int i = 0; i < 4; ++i) {
      in[i].slot = table.findOrClaim(uint64_t(i + 1));
      in[i].lbfactor = 100 * uint32_t(i + 1);
      in[i].slot->inflight.store(i);
    }
  }

 public:
  void setUp() override { setUpMembers(); }

  void everyoneHealthyIsKeptAsIs() {
    Prepared p = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_EQUAL(size_t(4), p.n);
    CPPUNIT_ASSERT(!p.panic);
    for (size_t i = 0; i < 4; ++i) {
      CPPUNIT_ASSERT_EQUAL(i, kept[i]);
      CPPUNIT_ASSERT_EQUAL(uint32_t(100 * (i + 1)), out[i].weight);
      CPPUNIT_ASSERT_EQUAL(int64_t(i), out[i].inflight);
      CPPUNIT_ASSERT_EQUAL(uint64_t(i + 1), out[i].id);
    }
  }
  void ejectedMembersAreLeftOut() {
    in[1].slot->ejectedUntil.store(now + kSec);
    Prepared p = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_EQUAL(size_t(3), p.n);
    CPPUNIT_ASSERT_EQUAL(size_t(1), p.ejectedSkipped);
    CPPUNIT_ASSERT_EQUAL(size_t(0), kept[0]);
    CPPUNIT_ASSERT_EQUAL(size_t(2), kept[1]);
    CPPUNIT_ASSERT_EQUAL(size_t(3), kept[2]);
    in[1].slot->ejectedUntil.store(now);  // ejection over at exactly now
    CPPUNIT_ASSERT_EQUAL(size_t(4), prepareCandidates(in, 4, s, now, out, kept, base).n);
  }
  void panicKeepsEveryone() {
    for (int i = 0; i < 3; ++i) {
      in[i].slot->ejectedUntil.store(now + kSec);  // 1 of 4 healthy
    }
    Prepared p = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT(p.panic);
    CPPUNIT_ASSERT_EQUAL(size_t(4), p.n);
    CPPUNIT_ASSERT_EQUAL(size_t(0), p.ejectedSkipped);
    s.health.panicPercent = 25;  // 1 of 4 is enough now
    p = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT(!p.panic);
    CPPUNIT_ASSERT_EQUAL(size_t(1), p.n);
    CPPUNIT_ASSERT_EQUAL(size_t(3), kept[0]);
  }
  void aMembersOwnSlowStartWins() {
    for (int i = 0; i < 4; ++i) {
      in[i].slot->usableSince.store(now - 5 * kSec);  // back 5 s ago
    }
    in[0].slot->slowStartMicros.store(20 * kSec);  // its own, longer ramp
    in[1].slot->slowStartMicros.store(-1);         // slowstart=0: none for it
    s.health.slowStartMicros = 0;                  // the balancer has none
    prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT(out[0].weight < 100 / 2);  // a quarter of the way up its 20 s ramp
    CPPUNIT_ASSERT_EQUAL(uint32_t(200), out[1].weight);
    CPPUNIT_ASSERT_EQUAL(uint32_t(300), out[2].weight);
    s.health.slowStartMicros = 10 * kSec;  // now the balancer ramps everyone else over 10 s
    prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT(out[0].weight < 100 / 2);
    CPPUNIT_ASSERT_EQUAL(uint32_t(200), out[1].weight);  // still off
    CPPUNIT_ASSERT(out[2].weight < 300 && out[2].weight > 300 / 4);
    CPPUNIT_ASSERT_EQUAL(uint32_t(300), base[2]);
  }
  void slowStartRampsTheWeightButNotTheBase() {
    s.health.slowStartMicros = 10 * kSec;
    in[2].slot->usableSince.store(now - 5 * kSec);
    prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_EQUAL(uint32_t(165), out[2].weight);  // 300 x (0.1 + 0.9 x 0.5)
    CPPUNIT_ASSERT_EQUAL(uint32_t(300), base[2]);
    CPPUNIT_ASSERT_EQUAL(uint32_t(100), out[0].weight);  // usable since long ago
  }
  void latencyOnlyWhenWanted() {
    PeakEwma::observe(in[0].slot->latency, 2000, now, s.ewmaTauMicros);
    prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT(out[0].latencyMicros < 0);
    s.wantLatency = true;
    prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(2000.0, out[0].latencyMicros, 0.5);
    CPPUNIT_ASSERT(out[1].latencyMicros < 0);  // never sampled
  }
  void memberWithoutSlotStillCounts() {
    in[3].slot = nullptr;
    in[3].fallbackId = 99;
    Prepared p = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_EQUAL(size_t(4), p.n);
    CPPUNIT_ASSERT_EQUAL(uint64_t(99), out[3].id);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), out[3].inflight);
  }
  void membersAtTheirLimitAreLeftOut() {
    in[2].slot->maxConn.store(2);  // inflight 2: at the limit
    in[3].slot->maxConn.store(5);  // inflight 3: below
    Prepared p = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_EQUAL(size_t(3), p.n);
    CPPUNIT_ASSERT_EQUAL(size_t(1), p.atLimitSkipped);
    CPPUNIT_ASSERT(!p.allAtLimit);
    CPPUNIT_ASSERT_EQUAL(size_t(3), kept[2]);
    CPPUNIT_ASSERT_EQUAL(uint32_t(400), base[2]);
  }
  void allAtTheirLimitAreKeptToQueue() {
    for (int i = 0; i < 4; ++i) {
      in[i].slot->maxConn.store(i == 0 ? 0 : i);  // member 0 has no limit...
    }
    Prepared some = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_EQUAL(size_t(1), some.n);  // ...so only it is offered
    in[0].slot->maxConn.store(1);
    in[0].slot->inflight.store(1);
    Prepared all = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT(all.allAtLimit);
    CPPUNIT_ASSERT_EQUAL(size_t(4), all.n);
  }
  void setLatencies(std::initializer_list<double> ms) {
    int i = 0;
    for (double v : ms) {
      in[i].slot->latency.store(v < 0 ? 0 : PeakEwma::pack(v * 1000, now));
      ++i;
    }
  }
  void aSlowMemberIsLeftOutButProbed() {
    s.wantLatency = true;
    s.outlier.factor = 2;
    setLatencies({5, 6, 30, 5});  // member 2: 30 ms against a median of 5 ms
    s.probeDraw = 999999;
    Prepared p = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT_EQUAL(size_t(3), p.n);
    CPPUNIT_ASSERT_EQUAL(size_t(1), p.slowSkipped);
    CPPUNIT_ASSERT(!p.probe);
    for (size_t i = 0; i < p.n; ++i) {
      CPPUNIT_ASSERT(kept[i] != 2);
    }
    s.probeDraw = 499;  // below the default 500 per million: this request probes it
    Prepared probe = prepareCandidates(in, 4, s, now, out, kept, base);
    CPPUNIT_ASSERT(probe.probe);
    CPPUNIT_ASSERT_EQUAL(size_t(1), probe.n);
    CPPUNIT_ASSERT_EQUAL(size_t(2), kept[0]);
    setLatencies({5, 6, 9, 5});  // within 2x of the others: no outlier
    s.probeDraw = 999999;
    CPPUNIT_ASSERT_EQUAL(size_t(4), prepareCandidates(in, 4, s, now, out, kept, base).n);
  }
  void outliersStayWhenThePanicThresholdNeedsThem() {
    s.wantLatency = true;
    s.outlier.factor = 2;
    s.probeDraw = 999999;
    setLatencies({5, 40, 30, 5});  // two slow of four: half would be left
    s.health.panicPercent = 60;
    CPPUNIT_ASSERT_EQUAL(size_t(4), prepareCandidates(in, 4, s, now, out, kept, base).n);
    s.health.panicPercent = 50;
    CPPUNIT_ASSERT_EQUAL(size_t(2), prepareCandidates(in, 4, s, now, out, kept, base).n);
  }
  void outliersNeedTheSettingAndLatency() {
    setLatencies({5, 6, 30, 5});
    s.probeDraw = 999999;
    s.wantLatency = true;  // but FleetLatencyOutlier off
    CPPUNIT_ASSERT_EQUAL(size_t(4), prepareCandidates(in, 4, s, now, out, kept, base).n);
    s.outlier.factor = 2;
    s.wantLatency = false;  // a method that reads no latency (p2c)
    CPPUNIT_ASSERT_EQUAL(size_t(4), prepareCandidates(in, 4, s, now, out, kept, base).n);
    s.wantLatency = true;
    setLatencies({-1, -1, 30, -1});  // one sample only: nothing to compare with
    CPPUNIT_ASSERT_EQUAL(size_t(4), prepareCandidates(in, 4, s, now, out, kept, base).n);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(CandidatesTest, "lb");
