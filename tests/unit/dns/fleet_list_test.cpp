#include "shared/dns/fleet_list.h"

#include <cppunit/extensions/HelperMacros.h>

#include "tests/unit/cache/fake_store.h"

using namespace fleet::dns;
using fleet::cache::testing::FakeStore;

namespace {
constexpr int64_t kSec = 1000000;
TtlBounds bounds{1 * kSec, 60 * kSec};

Discovery answered(std::vector<Target> targets) {
  Discovery d(parseDiscover({"dns", "app.test", "http://8080"}).value(), bounds, 30 * kSec);
  d.answered(std::move(targets), 5, 0);
  return d;
}
}  // namespace

class FleetListTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(FleetListTest);
  CPPUNIT_TEST(encodesAndDecodesExactly);
  CPPUNIT_TEST(rejectsAnythingElse);
  CPPUNIT_TEST(oneServerPublishesAndTheOtherFollows);
  CPPUNIT_TEST(theLeaseMovesWhenThePublisherStops);
  CPPUNIT_TEST(withoutMemcachedEachServerIsAlone);
  CPPUNIT_TEST_SUITE_END();

  FakeStore store;

 public:
  void encodesAndDecodesExactly() {
    PublishedList l{7, {Target{"127.0.0.2", 8080, 1, 0}, Target{"2001:db8::1", 80, 50, 1}}};
    std::optional<PublishedList> back = decodeList(encodeList(l));
    CPPUNIT_ASSERT(back.has_value());
    CPPUNIT_ASSERT_EQUAL(uint64_t(7), back->version);
    CPPUNIT_ASSERT(back->targets == l.targets);
  }
  void rejectsAnythingElse() {
    std::string good = encodeList(PublishedList{3, {Target{"127.0.0.2", 8080, 1, 0}}});
    CPPUNIT_ASSERT(decodeList(good).has_value());
    for (const std::string& bad :
         {std::string(""), good.substr(0, good.size() - 4), good + "more\n",
          std::string("fleet-dns-list 2\nversion 1\nend\n"),
          std::string("fleet-dns-list 1\nversion -1\nend\n"),
          std::string("fleet-dns-list 1\nversion 1\nmember app.test 80 1 0\nend\n"),
          std::string("fleet-dns-list 1\nversion 1\nmember 10.0.0.1 0 1 0\nend\n"),
          std::string("fleet-dns-list 1\nversion 1\nmember 10.0.0.1 80 101 0\nend\n"),
          std::string("fleet-dns-list 1\nversion 1\nmember 10.0.0.1 80 1 0 x\nend\n"),
          std::string("fleet-dns-list 1\nversion 1\nother\nend\n"),
          // Found by the fleet_list fuzz target: inet_pton stopped at the NUL.
          std::string("fleet-dns-list 1\nversion 1\nmember 10.0.0.1\0x 80 1 0\nend\n", 56)}) {
      CPPUNIT_ASSERT_MESSAGE(bad, !decodeList(bad).has_value());
    }
  }
  void oneServerPublishesAndTheOtherFollows() {
    FleetList a(store, "fl2:dns:x", "server-a"), b(store, "fl2:dns:x", "server-b");
    Discovery aView = answered({Target{"127.0.0.3", 8080, 1, 0}, Target{"127.0.0.2", 8080, 1, 0}});
    Discovery bView = answered({Target{"127.0.0.9", 8080, 1, 0}});  // its DNS answered otherwise
    std::optional<PublishedList> fromA = a.sync(aView, 0);
    CPPUNIT_ASSERT(a.publisher());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), fromA->version);
    std::optional<PublishedList> fromB = b.sync(bView, 0);
    CPPUNIT_ASSERT(!b.publisher());
    CPPUNIT_ASSERT(fromB->targets == aView.targets());  // b uses a's list, in a's order
    Discovery changed = answered({Target{"127.0.0.2", 8080, 1, 0}});
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), a.sync(changed, kSec)->version);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), b.sync(bView, kSec)->version);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), a.sync(changed, 2 * kSec)->version);  // unchanged: same
  }
  void theLeaseMovesWhenThePublisherStops() {
    FleetList a(store, "fl2:dns:x", "server-a"), b(store, "fl2:dns:x", "server-b");
    Discovery aView = answered({Target{"127.0.0.2", 8080, 1, 0}});
    Discovery bView = answered({Target{"127.0.0.4", 8080, 1, 0}});
    a.sync(aView, 0);
    b.sync(bView, 0);
    store.now += FleetList::kLeaseSeconds + 1;  // a stopped renewing
    std::optional<PublishedList> now = b.sync(bView, 10 * kSec);
    CPPUNIT_ASSERT(b.publisher());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), now->version);  // the version goes on from a's
    CPPUNIT_ASSERT(now->targets == bView.targets());
  }
  void withoutMemcachedEachServerIsAlone() {
    store.down = true;
    FleetList a(store, "fl2:dns:x", "server-a");
    CPPUNIT_ASSERT(!a.sync(answered({Target{"127.0.0.2", 8080, 1, 0}}), 0).has_value());
    CPPUNIT_ASSERT(!a.publisher());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(FleetListTest, "dns");
