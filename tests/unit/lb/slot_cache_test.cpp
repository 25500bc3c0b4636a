#include "shared/lb/slot_cache.h"

#include <cppunit/extensions/HelperMacros.h>

#include <thread>
#include <vector>

using namespace fleet::lb;

class SlotCacheTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SlotCacheTest);
  CPPUNIT_TEST(missThenHit);
  CPPUNIT_TEST(fullCacheDropsNewEntriesButKeepsOld);
  CPPUNIT_TEST(concurrentInsertsAllFindable);
  CPPUNIT_TEST(anotherEpochIsAMissUntilInsertedAgain);
  CPPUNIT_TEST_SUITE_END();

  std::vector<SlotCache::Entry> mem(size_t entries) {
    return std::vector<SlotCache::Entry>(SlotCache::bytesFor(entries) / sizeof(SlotCache::Entry));
  }

 public:
  void missThenHit() {
    auto m = mem(4);
    SlotCache c = SlotCache::format(m.data(), m.size() * sizeof(SlotCache::Entry));
    MemberSlot slots[2];
    int ids[2];
    CPPUNIT_ASSERT(c.find(&ids[0]) == nullptr);
    c.insert(&ids[0], &slots[0]);
    c.insert(&ids[1], &slots[1]);
    CPPUNIT_ASSERT_EQUAL(&slots[0], c.find(&ids[0]));
    CPPUNIT_ASSERT_EQUAL(&slots[1], c.find(&ids[1]));
    c.insert(&ids[0], &slots[0]);  // again: same answer, no second entry
    CPPUNIT_ASSERT_EQUAL(&slots[0], c.find(&ids[0]));
    CPPUNIT_ASSERT(c.find(nullptr) == nullptr);
  }
  // A worker slot given to another address keeps its identity pointer but not its MemberSlot:
  // after the epoch changes, each entry is a miss until looked up and inserted again.
  void anotherEpochIsAMissUntilInsertedAgain() {
    auto m = mem(4);
    SlotCache c = SlotCache::format(m.data(), m.size() * sizeof(SlotCache::Entry));
    MemberSlot slots[3];
    int ids[2];
    c.insert(&ids[0], &slots[0]);
    c.insert(&ids[1], &slots[1]);
    CPPUNIT_ASSERT(c.find(&ids[0], 1) == nullptr);
    CPPUNIT_ASSERT(c.find(&ids[1], 1) == nullptr);
    c.insert(&ids[0], &slots[2], 1);
    CPPUNIT_ASSERT_EQUAL(&slots[2], c.find(&ids[0], 1));
    CPPUNIT_ASSERT(c.find(&ids[0], 0) == nullptr);
    c.insert(&ids[1], &slots[1], 1);  // the same slot again, now current
    CPPUNIT_ASSERT_EQUAL(&slots[1], c.find(&ids[1], 1));
  }
  void fullCacheDropsNewEntriesButKeepsOld() {
    auto m = mem(1);
    SlotCache c = SlotCache::format(m.data(), m.size() * sizeof(SlotCache::Entry));
    std::vector<int> ids(c.capacity() + 1);
    MemberSlot slot;
    for (size_t i = 0; i < c.capacity(); ++i) {
      c.insert(&ids[i], &slot);
    }
    c.insert(&ids.back(), &slot);
    CPPUNIT_ASSERT(c.find(&ids.back()) == nullptr);
    for (size_t i = 0; i < c.capacity(); ++i) {
      CPPUNIT_ASSERT_EQUAL(&slot, c.find(&ids[i]));
    }
  }
  void concurrentInsertsAllFindable() {
    auto m = mem(200);
    SlotCache c = SlotCache::format(m.data(), m.size() * sizeof(SlotCache::Entry));
    std::vector<int> ids(200);
    std::vector<MemberSlot> slots(200);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          c.insert(&ids[i], &slots[i]);
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    for (int i = 0; i < 200; ++i) {
      CPPUNIT_ASSERT_EQUAL(&slots[i], c.find(&ids[i]));
    }
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(SlotCacheTest, "lb");
