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
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(CandidatesTest, "lb");
