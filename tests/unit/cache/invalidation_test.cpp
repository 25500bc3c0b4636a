#include "shared/cache/invalidation.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <memory>
#include <vector>

#include "shared/cache/local_tier.h"
#include "tests/unit/cache/fake_store.h"

using namespace fleet::cache;

namespace {
constexpr uint64_t kStart = 1000001;  // the scripted start of a new counter
// Scripted starts: 1000001, 5000001, 9000001, ...
StartValue start() {
  auto n = std::make_shared<uint64_t>(0);
  return [n] { return kStart + 4000000 * (*n)++; };
}

std::unique_ptr<InvalidationRing> zeroedRing() {
  auto r = std::make_unique<InvalidationRing>();
  std::memset(static_cast<void*>(r.get()), 0, sizeof(InvalidationRing));
  return r;
}
}  // namespace

class InvalidationTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(InvalidationTest);
  CPPUNIT_TEST(hashesAreStableAndNeverEverything);
  CPPUNIT_TEST(theRingNamesEachInvalidatedUrl);
  CPPUNIT_TEST(aReaderAWholeRingBehindEmptiesItsTier);
  CPPUNIT_TEST(aTagPurgeEmptiesEveryTier);
  CPPUNIT_TEST(aSlotBeingWrittenEmptiesTheTier);
  CPPUNIT_TEST(theMemcachedLogNamesEachInvalidatedUrl);
  CPPUNIT_TEST(aLostOrEvictedLogEmptiesTheTier);
  CPPUNIT_TEST(aPostLoopOnOneUrlLeavesTheRestOfEveryTier);
  CPPUNIT_TEST(aPurgeByTagEmptiesEveryTier);
  CPPUNIT_TEST(aStoreThatDoesNotAnswerEmptiesTheTier);
  CPPUNIT_TEST_SUITE_END();

  static Entry entry(const std::string& key) {
    Entry e;
    e.key = key;
    e.status = 200;
    e.body = "b";
    return e;
  }

 public:
  void hashesAreStableAndNeverEverything() {
    CPPUNIT_ASSERT_EQUAL(primaryHash("http://h:80/a"), primaryHash("http://h:80/a"));
    CPPUNIT_ASSERT(primaryHash("http://h:80/a") != primaryHash("http://h:80/b"));
    CPPUNIT_ASSERT(primaryHash("") != kEverything);
  }
  void theRingNamesEachInvalidatedUrl() {
    auto ring = zeroedRing();
    uint64_t seen = lastSeq(*ring);
    publish(*ring, 11);
    publish(*ring, 22);
    std::vector<uint64_t> dropped;
    CPPUNIT_ASSERT(follow(*ring, &seen, [&](uint64_t h) { dropped.push_back(h); }));
    CPPUNIT_ASSERT_EQUAL(size_t(2), dropped.size());
    CPPUNIT_ASSERT_EQUAL(uint64_t(22), dropped[1]);
    CPPUNIT_ASSERT(follow(*ring, &seen, [&](uint64_t h) { dropped.push_back(h); }));  // nothing new
    CPPUNIT_ASSERT_EQUAL(size_t(2), dropped.size());
  }
  void aReaderAWholeRingBehindEmptiesItsTier() {
    auto ring = zeroedRing();
    uint64_t seen = 0;
    for (uint64_t i = 1; i <= kLogSlots + 1; ++i) {
      publish(*ring, i);
    }
    CPPUNIT_ASSERT(!follow(*ring, &seen, [](uint64_t) {}));
    CPPUNIT_ASSERT_EQUAL(kLogSlots + 1, seen);  // and carries on from there
    publish(*ring, 5);
    CPPUNIT_ASSERT(follow(*ring, &seen, [](uint64_t) {}));
  }
  void aTagPurgeEmptiesEveryTier() {
    auto ring = zeroedRing();
    uint64_t seen = 0;
    publish(*ring, kEverything);
    CPPUNIT_ASSERT(!follow(*ring, &seen, [](uint64_t) {}));
  }
  void aSlotBeingWrittenEmptiesTheTier() {
    auto ring = zeroedRing();
    uint64_t seen = 0;
    publish(*ring, 7);
    ring->slotSeq[1].store(0);  // as a writer between its counter and its slot
    CPPUNIT_ASSERT(!follow(*ring, &seen, [](uint64_t) {}));
  }
  void theMemcachedLogNamesEachInvalidatedUrl() {
    testing::FakeStore store;
    InvalidationLog a(store, Keys("fl1:"), start()), b(store, Keys("fl1:"), start());
    // The log's first entry ever creates its counter at a random start: readers that saw no
    // counter cannot know where it began and empty their tiers once.
    uint64_t seen = *b.head();
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), seen);
    a.publish(primaryHash("http://h:80/first"));
    CPPUNIT_ASSERT(!b.follow(&seen, *b.head(), [](uint64_t) {}));
    CPPUNIT_ASSERT_EQUAL(kStart, seen);
    CPPUNIT_ASSERT(a.publish(primaryHash("http://h:80/a")));
    CPPUNIT_ASSERT(a.publish(primaryHash("http://h:80/b")));
    std::vector<uint64_t> dropped;
    CPPUNIT_ASSERT(b.follow(&seen, *b.head(), [&](uint64_t h) { dropped.push_back(h); }));
    CPPUNIT_ASSERT_EQUAL(size_t(2), dropped.size());
    CPPUNIT_ASSERT_EQUAL(primaryHash("http://h:80/a"), dropped[0]);
    CPPUNIT_ASSERT_EQUAL(kStart + 2, seen);
  }
  void aLostOrEvictedLogEmptiesTheTier() {
    testing::FakeStore store;
    InvalidationLog log(store, Keys("fl1:"), start());
    uint64_t seen = 0;
    log.publish(9);
    seen = kStart - 1;
    store.evict(
        "fl1:inv:" +
        std::to_string(kStart % kLogSlots));  // the slot is gone: what was invalidated is unknown
    CPPUNIT_ASSERT(!log.follow(&seen, *log.head(), [](uint64_t) {}));
    // The counter evicted and begun again: never where the reader was (a new random start).
    store.evict("fl1:inv:seq");
    log.publish(9);
    CPPUNIT_ASSERT(!log.follow(&seen, *log.head(), [](uint64_t) {}));
    store.down = true;
    CPPUNIT_ASSERT(!log.head().has_value());
    CPPUNIT_ASSERT(!log.publish(3));
  }
  void aPostLoopOnOneUrlLeavesTheRestOfEveryTier() {
    testing::FakeStore store;
    auto ringA = zeroedRing(), ringB = zeroedRing();  // two servers: a ring each
    LocalTier a1(100000), a2(100000), b1(100000);
    TierFollower fa1(a1, ringA.get(), store, Keys("fl1:"), start()),
        fa2(a2, ringA.get(), store, Keys("fl1:"), start());
    TierFollower fb1(b1, ringB.get(), store, Keys("fl1:"), start());
    const std::string hot = "http://h:80/hot", post = "http://h:80/form";
    fa1.invalidate({"http://h:80/earlier"});  // the log exists (see the test above)
    fa2.followRing();
    fb1.pollStore();
    for (LocalTier* t : {&a1, &a2, &b1}) {
      t->put(hot, entry(hot));
      t->put(post, entry(post));
      t->put(post + "\naccept-encoding:gzip", entry(post));
    }
    for (int i = 0; i < 200; ++i) {
      fa1.invalidate({post});  // a client repeating a POST
    }
    fa2.followRing();  // the same server's other child: at once
    fb1.pollStore();   // the other server: at its next poll
    for (LocalTier* t : {&a1, &a2, &b1}) {
      CPPUNIT_ASSERT(t->get(hot) != nullptr);
      CPPUNIT_ASSERT(t->get(post) == nullptr);
      CPPUNIT_ASSERT(t->get(post + "\naccept-encoding:gzip") == nullptr);
    }
  }
  void aPurgeByTagEmptiesEveryTier() {
    testing::FakeStore store;
    auto ringA = zeroedRing(), ringB = zeroedRing();
    LocalTier a1(100000), a2(100000), b1(100000);
    TierFollower fa1(a1, ringA.get(), store, Keys("fl1:"), start()),
        fa2(a2, ringA.get(), store, Keys("fl1:"), start());
    TierFollower fb1(b1, ringB.get(), store, Keys("fl1:"), start());
    for (LocalTier* t : {&a1, &a2, &b1}) {
      t->put("http://h:80/x", entry("http://h:80/x"));
    }
    fa1.invalidateEverything();
    fa2.followRing();
    fb1.pollStore();
    for (LocalTier* t : {&a1, &a2, &b1}) {
      CPPUNIT_ASSERT_EQUAL(size_t(0), t->size());
    }
  }
  void aStoreThatDoesNotAnswerEmptiesTheTier() {
    testing::FakeStore store;
    LocalTier t(100000);
    TierFollower f(t, nullptr, store, Keys("fl1:"), start());
    t.put("http://h:80/x", entry("http://h:80/x"));
    f.pollStore();
    CPPUNIT_ASSERT_EQUAL(size_t(1), t.size());  // nothing happened
    store.down = true;
    f.pollStore();
    CPPUNIT_ASSERT_EQUAL(size_t(0), t.size());
    t.put("http://h:80/x", entry("http://h:80/x"));  // filled again while memcached was away?
    store.down = false;
    f.pollStore();  // back: what was purged meanwhile is unknown
    CPPUNIT_ASSERT_EQUAL(size_t(0), t.size());
    t.put("http://h:80/x", entry("http://h:80/x"));
    f.pollStore();
    CPPUNIT_ASSERT_EQUAL(size_t(1), t.size());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(InvalidationTest, "cache");
