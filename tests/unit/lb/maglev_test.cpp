#include "shared/lb/maglev.h"

#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <string>
#include <vector>

using namespace fleet::lb;

namespace {

std::vector<std::pair<uint64_t, uint32_t>> members(int n, uint32_t weight = 100) {
  std::vector<std::pair<uint64_t, uint32_t>> m;
  for (int i = 0; i < n; ++i) {
    std::string name = "http://10.0.0." + std::to_string(i + 1) + ":8080";
    m.push_back({hashKey(name.data(), name.size()) | 1, weight});
  }
  return m;
}

std::map<uint64_t, size_t> entryCounts(const MaglevTable& t) {
  std::map<uint64_t, size_t> counts;
  for (size_t p = 0; p < t.size(); ++p) {
    counts[t.at(p)]++;
  }
  return counts;
}

}  // namespace

class MaglevTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MaglevTest);
  CPPUNIT_TEST(equalWeightsShareWithinOnePercent);
  CPPUNIT_TEST(weightedSharesWithinOnePercent);
  CPPUNIT_TEST(removalMovesLittleMoreThanItsShare);
  CPPUNIT_TEST(keysComeBackOnReAdd);
  CPPUNIT_TEST(orderOfMembersDoesNotMatter);
  CPPUNIT_TEST(tableSizeMustBeAPrimeInRange);
  CPPUNIT_TEST(pickFollowsTheTable);
  CPPUNIT_TEST(signatureTracksMembersWeightsAndSizeNotOrder);
  CPPUNIT_TEST(buildForMatchesBuild);
  CPPUNIT_TEST(boundedLoadWalksPastAFullMember);
  CPPUNIT_TEST_SUITE_END();

 public:
  void equalWeightsShareWithinOnePercent() {
    MaglevTable t = MaglevTable::build(members(5), 65537);  // M >= 100 N
    for (auto& [id, count] : entryCounts(t)) {
      CPPUNIT_ASSERT_DOUBLES_EQUAL(0.2, double(count) / t.size(), 0.01);
    }
  }
  void weightedSharesWithinOnePercent() {
    auto m = members(4);
    for (int i = 0; i < 4; ++i) {
      m[i].second = 100 * (i + 1);  // 1:2:3:4
    }
    MaglevTable t = MaglevTable::build(m, 65537);
    auto counts = entryCounts(t);
    for (int i = 0; i < 4; ++i) {
      CPPUNIT_ASSERT_DOUBLES_EQUAL(0.1 * (i + 1), double(counts[m[i].first]) / t.size(), 0.01);
    }
  }
  void removalMovesLittleMoreThanItsShare() {
    for (int n : {3, 5, 10, 20}) {
      auto all = members(n);
      MaglevTable before = MaglevTable::build(all, 65537);
      auto fewer = all;
      fewer.erase(fewer.begin() + n / 2);
      MaglevTable after = MaglevTable::build(fewer, 65537);
      size_t moved = 0;
      for (uint64_t k = 0; k < 100000; ++k) {
        uint64_t h = hashKey(reinterpret_cast<const char*>(&k), sizeof k);
        if (before.lookup(h) != after.lookup(h)) {
          moved++;
        }
      }
      CPPUNIT_ASSERT_MESSAGE(std::to_string(n) + " members, moved " + std::to_string(moved),
                             double(moved) / 100000 <= 1.2 / n);
    }
  }
  void keysComeBackOnReAdd() {
    auto all = members(6);
    MaglevTable t1 = MaglevTable::build(all, 65537);
    auto fewer = all;
    fewer.erase(fewer.begin() + 2);
    MaglevTable t2 = MaglevTable::build(fewer, 65537);
    MaglevTable t3 = MaglevTable::build(all, 65537);
    for (uint64_t k = 0; k < 20000; ++k) {
      uint64_t h = hashKey(reinterpret_cast<const char*>(&k), sizeof k);
      CPPUNIT_ASSERT_EQUAL(t1.lookup(h), t3.lookup(h));
      if (t1.lookup(h) == all[2].first) {
        CPPUNIT_ASSERT(t2.lookup(h) != all[2].first);
      }
    }
  }
  void orderOfMembersDoesNotMatter() {
    auto m = members(7);
    MaglevTable a = MaglevTable::build(m, 1009);
    std::reverse(m.begin(), m.end());
    MaglevTable b = MaglevTable::build(m, 1009);
    for (size_t p = 0; p < a.size(); ++p) {
      CPPUNIT_ASSERT_EQUAL(a.at(p), b.at(p));
    }
  }
  void tableSizeMustBeAPrimeInRange() {
    CPPUNIT_ASSERT_EQUAL(uint32_t(65537), parseTableSize("65537").value());
    CPPUNIT_ASSERT_EQUAL(uint32_t(101), parseTableSize("101").value());
    for (const char* bad : {"65536", "97", "1000033", "-5", "abc", "", "101x"}) {
      auto r = parseTableSize(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, !r.isOk());
      CPPUNIT_ASSERT(r.status().message().find("prime") != std::string::npos);
    }
  }
  void pickFollowsTheTable() {
    auto m = members(3);
    MaglevTable t = MaglevTable::build(m, 1009);
    Candidate c[3];
    for (int i = 0; i < 3; ++i) {
      c[i] = {100, 0, m[i].first, -1};
    }
    fleet::common::ScriptedRandom rng({});  // maglev draws nothing
    for (uint64_t k = 0; k < 500; ++k) {
      PickContext ctx(rng);
      ctx.table = &t;
      ctx.keyHash = hashKey(reinterpret_cast<const char*>(&k), sizeof k);
      CPPUNIT_ASSERT_EQUAL(t.lookup(ctx.keyHash), c[Maglev().pick(c, 3, ctx).index].id);
    }
  }
  void signatureTracksMembersWeightsAndSizeNotOrder() {
    Candidate c[3] = {{100, 0, 11, -1}, {100, 0, 22, -1}, {100, 0, 33, -1}};
    Candidate r[3] = {c[2], c[0], c[1]};
    uint32_t w[3] = {100, 200, 300}, wr[3] = {300, 100, 200};
    uint64_t base = MaglevTable::signature(c, w, 3, 1009);
    CPPUNIT_ASSERT_EQUAL(base, MaglevTable::signature(r, wr, 3, 1009));  // any order
    uint32_t heavier[3] = {100, 200, 301};
    CPPUNIT_ASSERT(base != MaglevTable::signature(c, heavier, 3, 1009));  // a weight changed
    CPPUNIT_ASSERT(base != MaglevTable::signature(c, w, 2, 1009));        // a member left
    CPPUNIT_ASSERT(base != MaglevTable::signature(c, w, 3, 1013));        // another size
  }
  void buildForMatchesBuild() {
    auto m = members(4);
    Candidate c[4];
    uint32_t w[4];
    for (int i = 0; i < 4; ++i) {
      c[i] = {50, 3, m[i].first, -1};  // weights come from w, not from the candidates
      w[i] = m[i].second;
    }
    MaglevTable a = MaglevTable::build(m, 1009), b = MaglevTable::buildFor(c, w, 4, 1009);
    for (size_t p = 0; p < a.size(); ++p) {
      CPPUNIT_ASSERT_EQUAL(a.at(p), b.at(p));
    }
  }
  void boundedLoadWalksPastAFullMember() {
    auto m = members(4);
    MaglevTable t = MaglevTable::build(m, 1009);
    Candidate c[4];
    for (int i = 0; i < 4; ++i) {
      c[i] = {100, 2, m[i].first, -1};
    }
    fleet::common::ScriptedRandom rng({});
    uint64_t key = 42;
    PickContext ctx(rng);
    ctx.table = &t;
    ctx.keyHash = key;
    ctx.balanceFactor = 125;
    size_t home = Maglev().pick(c, 4, ctx).index;
    c[home].inflight = 20;  // far above 125 % of the mean
    Decision d = Maglev().pick(c, 4, ctx);
    CPPUNIT_ASSERT(d.index != home);
    CPPUNIT_ASSERT(d.walked > 0);
    CPPUNIT_ASSERT_EQUAL(t.at(t.position(key) + d.walked), c[d.index].id);
    ctx.balanceFactor = 0;  // unbounded: the key's own member, however loaded
    CPPUNIT_ASSERT_EQUAL(home, Maglev().pick(c, 4, ctx).index);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(MaglevTest, "lb");
