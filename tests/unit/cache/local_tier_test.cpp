#include "shared/cache/local_tier.h"

#include <cppunit/extensions/HelperMacros.h>

#include "shared/cache/invalidation.h"

using namespace fleet::cache;

namespace {
Entry entry(const std::string& key, size_t bodyBytes) {
  Entry e;
  e.key = key;
  e.status = 200;
  e.body = std::string(bodyBytes, 'b');
  e.bodySize = bodyBytes;
  return e;
}
}  // namespace

class LocalTierTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LocalTierTest);
  CPPUNIT_TEST(keepsWhatFitsAndDropsTheLeastRecentlyUsed);
  CPPUNIT_TEST(anInvalidatedUrlLeavesWithItsVariantsOnly);
  CPPUNIT_TEST(bigObjectsStayOut);
  CPPUNIT_TEST(itemsOutliveTheirEviction);
  CPPUNIT_TEST_SUITE_END();

 public:
  void keepsWhatFitsAndDropsTheLeastRecentlyUsed() {
    LocalTier t(20000);  // about 15 items of 1000 bytes (plus bookkeeping)
    t.put("a", entry("a", 1000));
    t.put("b", entry("b", 1000));
    t.put("c", entry("c", 1000));
    CPPUNIT_ASSERT(t.get("a") != nullptr);  // a is now the most recent
    for (int i = 0; i < 14; ++i) {
      t.put("x" + std::to_string(i), entry("x", 1000));
    }
    CPPUNIT_ASSERT(t.bytes() <= 20000);
    CPPUNIT_ASSERT(t.get("a") != nullptr);
    CPPUNIT_ASSERT(t.get("b") == nullptr);  // the least recently used went first
    CPPUNIT_ASSERT(t.get("x13") != nullptr);
    t.erase("x13");
    CPPUNIT_ASSERT(t.get("x13") == nullptr);
    t.put("x6", entry("x6", 10));  // replacing keeps the accounting right
    CPPUNIT_ASSERT_EQUAL(std::string("x6"), t.get("x6")->entry.key);
  }
  void anInvalidatedUrlLeavesWithItsVariantsOnly() {
    LocalTier t(100000);
    const std::string a = "http://h:80/a", b = "http://h:80/b";
    t.put(a, entry(a, 10));                             // a manifest or a response
    t.put(a + "\naccept-encoding:gzip", entry(a, 10));  // its variants
    t.put(a + "\naccept-encoding!", entry(a, 10));
    t.put(b, entry(b, 10));
    t.erasePrimary(primaryHash(a));
    CPPUNIT_ASSERT(t.get(a) == nullptr);
    CPPUNIT_ASSERT(t.get(a + "\naccept-encoding:gzip") == nullptr);
    CPPUNIT_ASSERT(t.get(a + "\naccept-encoding!") == nullptr);
    CPPUNIT_ASSERT(t.get(b) != nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t(1), t.size());
    t.erasePrimary(primaryHash(a));  // nothing left: nothing happens
    t.erase(b);
    CPPUNIT_ASSERT_EQUAL(size_t(0), t.bytes());
  }
  void bigObjectsStayOut() {
    LocalTier t(8000);
    t.put("big", entry("big", 2000));
    CPPUNIT_ASSERT(t.get("big") == nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t(0), t.size());
  }
  void itemsOutliveTheirEviction() {
    LocalTier t(100000);
    t.put("a", entry("a", 100));
    std::shared_ptr<const LocalItem> held = t.get("a");
    t.clear();
    CPPUNIT_ASSERT_EQUAL(size_t(100), held->entry.body.size());  // a response being sent keeps it
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(LocalTierTest, "cache");
