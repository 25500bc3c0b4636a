#include "shared/cache/keys.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::cache;

class KeysTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(KeysTest);
  CPPUNIT_TEST(keysAndVariants);
  CPPUNIT_TEST(varyValuesNormalize);
  CPPUNIT_TEST(storageKeysAreFixedLength);
  CPPUNIT_TEST(everyNameHasItsOwnKey);
  CPPUNIT_TEST_SUITE_END();

 public:
  void keysAndVariants() {
    CPPUNIT_ASSERT_EQUAL(std::string("https://shop.example:443/a?b=1"),
                         primaryKey("HTTPS", "Shop.Example", 443, "/a?b=1"));
    std::string p = primaryKey("http", "h", 80, "/");
    std::vector<std::string> names = varyNames("Accept-Encoding, accept-language,Accept-Encoding");
    CPPUNIT_ASSERT_EQUAL(size_t(2), names.size());
    CPPUNIT_ASSERT_EQUAL(std::string("accept-encoding"), names[0]);
    std::string gz =
        variantKey(p, names, {{"accept-encoding", "gzip, br"}, {"accept-language", "en"}});
    std::string gz2 =
        variantKey(p, names, {{"accept-encoding", "br,gzip"}, {"accept-language", "en"}});
    std::string none = variantKey(p, names, {{"accept-language", "en"}});
    std::string empty = variantKey(p, names, {{"accept-encoding", ""}, {"accept-language", "en"}});
    CPPUNIT_ASSERT_EQUAL(gz, gz2);
    CPPUNIT_ASSERT(gz != none);
    CPPUNIT_ASSERT(none != empty);
  }
  void varyValuesNormalize() {
    CPPUNIT_ASSERT_EQUAL(std::string("br,gzip"),
                         normalizeVaryValue("Accept-Encoding", " GZIP ,br, gzip "));
    CPPUNIT_ASSERT_EQUAL(std::string("a b c"), normalizeVaryValue("X-Custom", "  a   b\tc "));
    CPPUNIT_ASSERT_EQUAL(std::string("Mixed Case"), normalizeVaryValue("X-Custom", "Mixed Case"));
  }
  void storageKeysAreFixedLength() {
    std::string longUrl = primaryKey("http", "h", 80, "/" + std::string(5000, 'x'));
    std::string k = Keys("fl:").entry(longUrl);
    CPPUNIT_ASSERT_EQUAL(size_t(43), k.size());
    CPPUNIT_ASSERT(k != Keys("fl:").entry(longUrl + "y"));
    CPPUNIT_ASSERT(k.find(' ') == std::string::npos);
    CPPUNIT_ASSERT(Keys("fl:").chunk(longUrl, 1, 0) != Keys("fl:").chunk(longUrl, 2, 0));
    CPPUNIT_ASSERT(Keys("fl:").chunk(longUrl, 1, 0).size() < 250);
    // Tags of any length and bytes have a valid memcached key (at most 250 bytes, no spaces or
    // control characters), distinct per tag.
    std::string longTag(300, 't');
    std::string tk = Keys("fl1:").tag(longTag);
    CPPUNIT_ASSERT(tk.size() < 250);
    CPPUNIT_ASSERT(tk.find_first_of(" \r\n\t") == std::string::npos);
    CPPUNIT_ASSERT(tk != Keys("fl1:").tag(longTag + "u"));
    CPPUNIT_ASSERT(Keys("fl1:").tag("a b\r\n").find_first_of(" \r\n") == std::string::npos);
  }
  void everyNameHasItsOwnKey() {
    Keys k("fl2:");
    std::string p = primaryKey("http", "h", 80, "/a");
    std::string v = variantKey(p, {"accept-encoding"}, {{"accept-encoding", "gzip"}});
    CPPUNIT_ASSERT_EQUAL(p, std::string(primaryOf(v)));
    CPPUNIT_ASSERT_EQUAL(p, std::string(primaryOf(p)));
    std::vector<std::string> all = {k.entry(p),        k.entry(v),   k.missLease(p),
                                    k.refreshLease(p), k.tag("t"),   k.softTag("t", 7),
                                    k.logHead(),       k.logSlot(3), k.chunk(p, 1, 0)};
    for (size_t i = 0; i < all.size(); ++i) {
      CPPUNIT_ASSERT(all[i].rfind("fl2:", 0) == 0);
      CPPUNIT_ASSERT(all[i].size() < 250);
      for (size_t j = i + 1; j < all.size(); ++j) {
        CPPUNIT_ASSERT(all[i] != all[j]);
      }
    }
    CPPUNIT_ASSERT_EQUAL(k.logSlot(3), k.logSlot(3 + 256));  // a ring
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(KeysTest, "cache");
