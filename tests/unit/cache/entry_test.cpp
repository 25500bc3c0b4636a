#include "shared/cache/entry.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::cache;

class EntryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(EntryTest);
  CPPUNIT_TEST(keysAndVariants);
  CPPUNIT_TEST(varyValuesNormalize);
  CPPUNIT_TEST(storageKeysAreFixedLength);
  CPPUNIT_TEST(entryRoundTrip);
  CPPUNIT_TEST(truncatedOrForeignEntriesAreRejected);
  CPPUNIT_TEST(chunksBelongToOneVersion);
  CPPUNIT_TEST_SUITE_END();

 public:
  void keysAndVariants() {
    CPPUNIT_ASSERT_EQUAL(std::string("https://shop.example:443/a?b=1"), primaryKey("HTTPS", "Shop.Example", 443, "/a?b=1"));
    std::string p = primaryKey("http", "h", 80, "/");
    std::vector<std::string> names = varyNames("Accept-Encoding, accept-language,Accept-Encoding");
    CPPUNIT_ASSERT_EQUAL(size_t(2), names.size());
    CPPUNIT_ASSERT_EQUAL(std::string("accept-encoding"), names[0]);
    std::string gz = variantKey(p, names, {{"accept-encoding", "gzip, br"}, {"accept-language", "en"}});
    std::string gz2 = variantKey(p, names, {{"accept-encoding", "br,gzip"}, {"accept-language", "en"}});
    std::string none = variantKey(p, names, {{"accept-language", "en"}});
    std::string empty = variantKey(p, names, {{"accept-encoding", ""}, {"accept-language", "en"}});
    CPPUNIT_ASSERT_EQUAL(gz, gz2);
    CPPUNIT_ASSERT(gz != none);
    CPPUNIT_ASSERT(none != empty);
  }
  void varyValuesNormalize() {
    CPPUNIT_ASSERT_EQUAL(std::string("br,gzip"), normalizeVaryValue("Accept-Encoding", " GZIP ,br, gzip "));
    CPPUNIT_ASSERT_EQUAL(std::string("a b c"), normalizeVaryValue("X-Custom", "  a   b\tc "));
    CPPUNIT_ASSERT_EQUAL(std::string("Mixed Case"), normalizeVaryValue("X-Custom", "Mixed Case"));
  }
  void storageKeysAreFixedLength() {
    std::string longUrl = primaryKey("http", "h", 80, "/" + std::string(5000, 'x'));
    std::string k = storageKey("fl:", longUrl);
    CPPUNIT_ASSERT_EQUAL(size_t(43), k.size());
    CPPUNIT_ASSERT(k != storageKey("fl:", longUrl + "y"));
    CPPUNIT_ASSERT(k.find(' ') == std::string::npos);
    CPPUNIT_ASSERT(chunkKey("fl:", longUrl, 1, 0) != chunkKey("fl:", longUrl, 2, 0));
    CPPUNIT_ASSERT(chunkKey("fl:", longUrl, 1, 0).size() < 250);
    // Tags of any length and bytes have a valid memcached key (at most 250 bytes, no spaces or
    // control characters), distinct per tag.
    std::string longTag(300, 't');
    std::string tk = tagKey("fl1:", longTag);
    CPPUNIT_ASSERT(tk.size() < 250);
    CPPUNIT_ASSERT(tk.find_first_of(" \r\n\t") == std::string::npos);
    CPPUNIT_ASSERT(tk != tagKey("fl1:", longTag + "u"));
    CPPUNIT_ASSERT(tagKey("fl1:", "a b\r\n").find_first_of(" \r\n") == std::string::npos);
  }
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
    CPPUNIT_ASSERT(decodeEntry(bytes, "http://h:80/b").status().message().find("another key") != std::string::npos);
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
