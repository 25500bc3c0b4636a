#include "shared/lb/member_table.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <thread>
#include <vector>

using namespace fleet::lb;

class MemberTableTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MemberTableTest);
  CPPUNIT_TEST(keysAreStableDistinctAndNonZero);
  CPPUNIT_TEST(claimThenFind);
  CPPUNIT_TEST(fullTableReturnsNull);
  CPPUNIT_TEST(concurrentClaimsOfOneKeyAgree);
  CPPUNIT_TEST(attachSeesWhatFormatWrote);
  CPPUNIT_TEST(reservationsNeverExceedTheMemberLimit);
  CPPUNIT_TEST_SUITE_END();

  std::vector<MemberSlot> buffer(size_t members) {
    return std::vector<MemberSlot>(MemberTable::bytesFor(members) / sizeof(MemberSlot));
  }

 public:
  void keysAreStableDistinctAndNonZero() {
    CPPUNIT_ASSERT_EQUAL(memberKey("balancer://a", "http://m1"),
                         memberKey("balancer://a", "http://m1"));
    CPPUNIT_ASSERT(memberKey("balancer://a", "http://m1") !=
                   memberKey("balancer://b", "http://m1"));
    CPPUNIT_ASSERT(memberKey("ab", "c") != memberKey("a", "bc"));
    std::set<uint64_t> keys;
    for (int i = 0; i < 1000; ++i) {
      uint64_t k = memberKey("balancer://x", "http://127.0.0.1:" + std::to_string(i));
      CPPUNIT_ASSERT(k != 0);
      keys.insert(k);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(1000), keys.size());
  }
  void claimThenFind() {
    auto mem = buffer(8);
    MemberTable t = MemberTable::format(mem.data(), mem.size() * sizeof(MemberSlot));
    CPPUNIT_ASSERT(t.capacity() >= 16);
    CPPUNIT_ASSERT(t.find(42) == nullptr);
    MemberSlot* s = t.findOrClaim(42);
    CPPUNIT_ASSERT(s != nullptr);
    s->inflight.fetch_add(3);
    CPPUNIT_ASSERT_EQUAL(s, t.find(42));
    CPPUNIT_ASSERT_EQUAL(s, t.findOrClaim(42));
    CPPUNIT_ASSERT_EQUAL(int64_t(3), t.find(42)->inflight.load());
    CPPUNIT_ASSERT(t.findOrClaim(43) != s);
    CPPUNIT_ASSERT_EQUAL(size_t(2), t.used());
    CPPUNIT_ASSERT(t.findOrClaim(0) == nullptr);
  }
  void fullTableReturnsNull() {
    auto mem = buffer(1);
    MemberTable t = MemberTable::format(mem.data(), mem.size() * sizeof(MemberSlot));
    for (uint64_t k = 1; k <= t.capacity(); ++k) {
      CPPUNIT_ASSERT(t.findOrClaim(k) != nullptr);
    }
    CPPUNIT_ASSERT(t.findOrClaim(t.capacity() + 1) == nullptr);
    CPPUNIT_ASSERT(t.find(t.capacity() + 1) == nullptr);
    CPPUNIT_ASSERT(t.find(1) != nullptr);
  }
  void concurrentClaimsOfOneKeyAgree() {
    auto mem = buffer(64);
    MemberTable t = MemberTable::format(mem.data(), mem.size() * sizeof(MemberSlot));
    std::vector<MemberSlot*> got(8, nullptr);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        for (uint64_t k = 1; k <= 50; ++k) {
          MemberSlot* s = t.findOrClaim(k * 7919);
          s->inflight.fetch_add(1);
          if (k == 25) {
            got[i] = s;
          }
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    for (MemberSlot* s : got) {
      CPPUNIT_ASSERT_EQUAL(got[0], s);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(50), t.used());
    CPPUNIT_ASSERT_EQUAL(int64_t(8), t.find(25 * 7919)->inflight.load());
  }
  void attachSeesWhatFormatWrote() {
    auto mem = buffer(8);
    size_t bytes = mem.size() * sizeof(MemberSlot);
    MemberTable a = MemberTable::format(mem.data(), bytes);
    a.findOrClaim(5)->requests.store(77);
    MemberTable b = MemberTable::attach(mem.data(), bytes);
    CPPUNIT_ASSERT_EQUAL(uint64_t(77), b.find(5)->requests.load());
  }
  void reservationsNeverExceedTheMemberLimit() {
    std::vector<MemberSlot> mem(8);
    MemberTable t = MemberTable::format(mem.data(), mem.size() * sizeof(MemberSlot));
    MemberSlot* s = t.findOrClaim(11);
    CPPUNIT_ASSERT(tryReserveSlot(*s));  // no limit: always
    CPPUNIT_ASSERT(tryReserveSlot(*s));
    s->maxConn.store(3);
    CPPUNIT_ASSERT(tryReserveSlot(*s));
    CPPUNIT_ASSERT(!tryReserveSlot(*s));  // 3 in flight: at the limit
    CPPUNIT_ASSERT_EQUAL(int64_t(3), s->inflight.load());
    s->inflight.fetch_sub(1);
    CPPUNIT_ASSERT(tryReserveSlot(*s));
    CPPUNIT_ASSERT_EQUAL(int64_t(3), s->inflight.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(MemberTableTest, "lb");
