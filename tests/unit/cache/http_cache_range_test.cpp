// HttpCache and CacheExchange (shared/cache/exchange.cpp, range.h): byte ranges answered from a
// stored 200 (206, suffix ranges, 416, If-Range, several ranges left to httpd), and from a body
// stored in chunks, of which only the chunks holding the range are read.
#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tests/unit/cache/engine_harness.h"

using namespace fleet::cache;

using namespace fleet::cache::testing;

class HttpCacheRangeTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpCacheRangeTest);
  CPPUNIT_TEST(aSingleRangeIsAnswered206WithThoseBytes);
  CPPUNIT_TEST(suffixAndOpenRangesCountFromTheEnd);
  CPPUNIT_TEST(anUnsatisfiableRangeIs416);
  CPPUNIT_TEST(ifRangeDecidesBetweenPartAndWhole);
  CPPUNIT_TEST(severalRangesGetTheWholeBody);
  CPPUNIT_TEST(aRangeOnAMissIsForwardedAsItIs);
  CPPUNIT_TEST(aPartialAnswerLeavesNoHitForMissMarker);
  CPPUNIT_TEST(aRangeInsideOneChunkReadsOnlyThatChunk);
  CPPUNIT_TEST(aRangeAcrossTwoChunksJoinsThem);
  CPPUNIT_TEST(aLostChunkMissesOnlyTheRequestsThatNeedIt);
  CPPUNIT_TEST_SUITE_END();

  static const std::string& body() {
    static const std::string b = "0123456789abcdefghij";
    return b;
  }
  static std::string big() {
    std::string b(1200000, '\0');
    for (size_t i = 0; i < b.size(); ++i) {
      b[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
    }
    return b;
  }
  static void fillSmall(Harness& h) {
    h.fill("/r", 200, h.response("max-age=60", {{"ETag", "\"r1\""}}), body());
  }
  static void fillBig(Harness& h, const std::string& data) {
    auto ex = h.get("/big");
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CPPUNIT_ASSERT(ex->onResponse(200, h.response("max-age=60")).kind == Kind::kStore);
    for (size_t at = 0; at < data.size(); at += 100000) {
      CPPUNIT_ASSERT(ex->append(std::string_view(data).substr(at, 100000)));
    }
    ex->finish();
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), h.counters->stores.load());
  }
  static Entry storedEntry(Harness& h, const std::string& target) {
    std::string primary = primaryKey("http", "example.com", 80, target);
    std::optional<std::string> bytes = h.store.get(h.keys.entry(primary));
    CPPUNIT_ASSERT(bytes.has_value());
    return decodeEntry(*bytes, primary).value();
  }

 public:
  void aSingleRangeIsAnswered206WithThoseBytes() {
    Harness h;
    fillSmall(h);
    CacheExchange::Lookup l = h.look("/r", {{"Range", "bytes=5-9"}});
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(206, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("bytes 5-9/20"),
                         field(l.answer.allHeaders(), "Content-Range"));
    CPPUNIT_ASSERT_EQUAL(std::string("5"), field(l.answer.allHeaders(), "Content-Length"));
    CPPUNIT_ASSERT_EQUAL(std::string("56789"), bodyOf(l.answer));
  }

  void suffixAndOpenRangesCountFromTheEnd() {
    Harness h;
    fillSmall(h);
    CacheExchange::Lookup l = h.look("/r", {{"Range", "bytes=-3"}});
    CPPUNIT_ASSERT_EQUAL(206, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("bytes 17-19/20"),
                         field(l.answer.allHeaders(), "Content-Range"));
    CPPUNIT_ASSERT_EQUAL(std::string("hij"), bodyOf(l.answer));
    l = h.look("/r", {{"Range", "bytes=15-"}});
    CPPUNIT_ASSERT_EQUAL(std::string("fghij"), bodyOf(l.answer));
    l = h.look("/r", {{"Range", "bytes=-100"}});  // more than there is: all of it
    CPPUNIT_ASSERT_EQUAL(std::string("bytes 0-19/20"),
                         field(l.answer.allHeaders(), "Content-Range"));
    CPPUNIT_ASSERT_EQUAL(body(), bodyOf(l.answer));
  }

  void anUnsatisfiableRangeIs416() {
    Harness h;
    fillSmall(h);
    CacheExchange::Lookup l = h.look("/r", {{"Range", "bytes=50-60"}});
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(416, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("bytes */20"), field(l.answer.allHeaders(), "Content-Range"));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), field(l.answer.allHeaders(), "Content-Length"));
    CPPUNIT_ASSERT(bodyOf(l.answer).empty());
  }

  void ifRangeDecidesBetweenPartAndWhole() {
    Harness h;
    fillSmall(h);
    CacheExchange::Lookup l = h.look("/r", {{"Range", "bytes=5-9"}, {"If-Range", "\"other\""}});
    CPPUNIT_ASSERT_EQUAL(200, l.answer.status);
    CPPUNIT_ASSERT(!hasField(l.answer.allHeaders(), "Content-Range"));
    CPPUNIT_ASSERT_EQUAL(body(), bodyOf(l.answer));
    l = h.look("/r", {{"Range", "bytes=5-9"}, {"If-Range", "\"r1\""}});
    CPPUNIT_ASSERT_EQUAL(206, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("56789"), bodyOf(l.answer));
  }

  void severalRangesGetTheWholeBody() {
    Harness h;
    fillSmall(h);
    CacheExchange::Lookup l = h.look("/r", {{"Range", "bytes=0-1,5-6"}});
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(200, l.answer.status);
    CPPUNIT_ASSERT(!hasField(l.answer.allHeaders(), "Content-Range"));
    CPPUNIT_ASSERT_EQUAL(std::string("20"), field(l.answer.allHeaders(), "Content-Length"));
    CPPUNIT_ASSERT_EQUAL(body(), bodyOf(l.answer));
  }

  // A Range on a miss goes to the member as it is; a member that ignores it answers 200, which
  // is stored, and later ranges are cut from the stored copy.
  void aRangeOnAMissIsForwardedAsItIs() {
    Harness h;
    auto ex = h.get("/r", {{"Range", "bytes=5-9"}});
    CacheExchange::Lookup l = ex->lookup();
    CPPUNIT_ASSERT(l.step == Step::kForward);
    CPPUNIT_ASSERT(std::find(l.unsetRequest.begin(), l.unsetRequest.end(), "Range") ==
                   l.unsetRequest.end());
    CPPUNIT_ASSERT(Harness::answer(*ex, 200, h.response("max-age=60"), body()).kind ==
                   Kind::kStore);
    ex.reset();
    CPPUNIT_ASSERT_EQUAL(std::string("56789"),
                         bodyOf(h.look("/r", {{"Range", "bytes=5-9"}}).answer));
  }

  // A 206 is this client's part, not something about the URL: not stored, and no hit-for-miss
  // marker (the next full GET still coalesces and is stored as usual).
  void aPartialAnswerLeavesNoHitForMissMarker() {
    Harness h;
    auto ex = h.get("/r", {{"Range", "bytes=5-9"}});
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CacheExchange::Reply r = Harness::answer(
        *ex, 206, h.response("max-age=60", {{"Content-Range", "bytes 5-9/20"}}), "56789");
    CPPUNIT_ASSERT(r.kind == Kind::kPass);
    ex.reset();
    ex = h.get("/r");
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), h.counters->hitForMiss.load());
  }

  void aRangeInsideOneChunkReadsOnlyThatChunk() {
    Harness h;
    const std::string data = big();
    fillBig(h, data);
    CPPUNIT_ASSERT_EQUAL(uint32_t(3), storedEntry(h, "/big").chunkCount);
    uint64_t before = h.store.ops;
    CacheExchange::Lookup l = h.look("/big", {{"Range", "bytes=600000-600099"}});
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(206, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("bytes 600000-600099/1200000"),
                         field(l.answer.allHeaders(), "Content-Range"));
    CPPUNIT_ASSERT_EQUAL(data.substr(600000, 100), bodyOf(l.answer));
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), h.store.ops - before);  // the entry and chunk 1
  }

  void aRangeAcrossTwoChunksJoinsThem() {
    Harness h;
    const std::string data = big();
    fillBig(h, data);
    CacheExchange::Lookup l = h.look("/big", {{"Range", "bytes=524200-524400"}});
    CPPUNIT_ASSERT_EQUAL(206, l.answer.status);
    CPPUNIT_ASSERT_EQUAL(size_t(2), l.answer.body.size());
    CPPUNIT_ASSERT_EQUAL(data.substr(524200, 201), bodyOf(l.answer));
    l = h.look("/big");
    CPPUNIT_ASSERT_EQUAL(200, l.answer.status);
    CPPUNIT_ASSERT(data == bodyOf(l.answer));
  }

  void aLostChunkMissesOnlyTheRequestsThatNeedIt() {
    Harness h;
    const std::string data = big();
    fillBig(h, data);
    Entry e = storedEntry(h, "/big");
    h.store.evict(h.keys.chunk(primaryKey("http", "example.com", 80, "/big"), e.bodyId, 0));
    CacheExchange::Lookup l = h.look("/big", {{"Range", "bytes=600000-600099"}});
    CPPUNIT_ASSERT(l.step == Step::kServe);
    CPPUNIT_ASSERT_EQUAL(data.substr(600000, 100), bodyOf(l.answer));
    CPPUNIT_ASSERT(h.look("/big").step == Step::kForward);  // the whole body: never a mix
    CPPUNIT_ASSERT(h.look("/big", {{"Range", "bytes=600000-600099"}}).step ==
                   Step::kForward);  // dropped
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpCacheRangeTest, "cache");
