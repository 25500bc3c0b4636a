#include "shared/cache/entry.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::cache;

class EntryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(EntryTest);
  CPPUNIT_TEST(entryRoundTrip);
  CPPUNIT_TEST(truncatedOrForeignEntriesAreRejected);
  CPPUNIT_TEST(chunksBelongToOneVersion);
  CPPUNIT_TEST(timesOutsideTheHttpDateRangeAreRejected);
  CPPUNIT_TEST(headerLinesWithLineBreaksAreRejected);
  CPPUNIT_TEST_SUITE_END();

 public:
  void entryRoundTrip() {
    Entry e;
    e.key = "http://h:80/a";
    e.status = 200;
    e.requestTime = 100;
    e.responseTime = 101;
    e.headers = {{"Content-Type", "text/plain"}, {"ETag", "\"v1\""}};
    e.tags = {{"product-7", 3}};
    e.body = std::string("hello\0world", 11);
    e.bodySize = e.body.size();
    auto d = decodeEntry(encodeEntry(e), e.key);
    CPPUNIT_ASSERT(d.isOk());
    CPPUNIT_ASSERT_EQUAL(e.body, d.value().body);
    CPPUNIT_ASSERT_EQUAL(std::string("\"v1\""), d.value().header("etag"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), d.value().tags[0].second);
    CPPUNIT_ASSERT_EQUAL(int64_t(101), d.value().responseTime);
    Entry m;
    m.kind = Entry::Kind::kVaryManifest;
    m.key = "http://h:80/v";
    m.vary = {"accept-encoding"};
    auto dm = decodeEntry(encodeEntry(m), m.key);
    CPPUNIT_ASSERT(dm.isOk() && dm.value().kind == Entry::Kind::kVaryManifest);
    Entry big;
    big.key = "k";
    big.bodySize = 2500;
    big.chunkSize = 1000;
    big.chunkCount = 3;
    big.bodyId = 77;
    CPPUNIT_ASSERT(decodeEntry(encodeEntry(big), "k").isOk());
  }
  // Found by tests/fuzz/cache_entry: an entry another writer stored with a time of -1 or 2^63-1
  // made currentAge() and the hit-for-miss expiry overflow (signed overflow, a negative Age).
  void timesOutsideTheHttpDateRangeAreRejected() {
    Entry e;
    e.key = "k";
    e.requestTime = 0;
    e.responseTime = 253402300799;  // Fri, 31 Dec 9999 23:59:59 GMT
    e.staleSince = 253402300799;
    CPPUNIT_ASSERT(decodeEntry(encodeEntry(e), "k").isOk());
    for (int64_t bad : {int64_t{-1}, int64_t{253402300800}, INT64_MAX, INT64_MIN}) {
      for (int field = 0; field < 3; ++field) {
        Entry b = e;
        (field == 0 ? b.requestTime : field == 1 ? b.responseTime : b.staleSince) = bad;
        auto d = decodeEntry(encodeEntry(b), "k");
        CPPUNIT_ASSERT(!d.isOk());
        CPPUNIT_ASSERT(d.status().message().find("time out of range") != std::string::npos);
      }
    }
  }
  // Found by tests/fuzz/cache_exchange: a stored "X-Bad: a\r\nSet-Cookie: ..." from another
  // writer went out with a hit as it was.
  void headerLinesWithLineBreaksAreRejected() {
    Entry e;
    e.key = "k";
    e.headers = {{"Content-Type", "text/plain"}};
    CPPUNIT_ASSERT(decodeEntry(encodeEntry(e), "k").isOk());
    for (const std::string& bad :
         {std::string("a\r\nSet-Cookie: x=1"), std::string("a\n"), std::string("a\0b", 3)}) {
      Entry v = e;
      v.headers.emplace_back("X-Bad", bad);
      CPPUNIT_ASSERT(!decodeEntry(encodeEntry(v), "k").isOk());
      Entry n = e;
      n.headers.emplace_back(bad, "1");
      CPPUNIT_ASSERT(!decodeEntry(encodeEntry(n), "k").isOk());
    }
  }
  void truncatedOrForeignEntriesAreRejected() {
    Entry e;
    e.key = "http://h:80/a";
    e.body = "body";
    e.bodySize = 4;
    std::string bytes = encodeEntry(e);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      CPPUNIT_ASSERT(!decodeEntry(bytes.substr(0, cut), e.key).isOk());
    }
    CPPUNIT_ASSERT(!decodeEntry(bytes + "x", e.key).isOk());
    CPPUNIT_ASSERT(decodeEntry(bytes, "http://h:80/b").status().message().find("another key") !=
                   std::string::npos);
    CPPUNIT_ASSERT(!decodeEntry("VALUE from someone else", e.key).isOk());
    Entry bad = e;
    bad.bodySize = 5;  // says 5, has 4
    CPPUNIT_ASSERT(!decodeEntry(encodeEntry(bad), e.key).isOk());
    Entry layout;
    layout.key = "k";
    layout.bodySize = 2500;
    layout.chunkSize = 1000;
    layout.chunkCount = 2;  // 2500 bytes need 3
    CPPUNIT_ASSERT(!decodeEntry(encodeEntry(layout), "k").isOk());
  }
  void chunksBelongToOneVersion() {
    std::string c = encodeChunk(42, 1, "data");
    CPPUNIT_ASSERT_EQUAL(std::string("data"), decodeChunk(c, 42, 1).value());
    CPPUNIT_ASSERT(!decodeChunk(c, 43, 1).isOk());
    CPPUNIT_ASSERT(!decodeChunk(c, 42, 2).isOk());
    CPPUNIT_ASSERT(!decodeChunk(c.substr(0, 10), 42, 1).isOk());
    CPPUNIT_ASSERT(!decodeChunk("garbage", 42, 1).isOk());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(EntryTest, "cache");
