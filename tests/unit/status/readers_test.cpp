#include "shared/status/readers.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <memory>
#include <vector>

#include "shared/health/lease.h"
#include "shared/lb/peak_ewma.h"
#include "shared/status/pages.h"

using namespace fleet;
using namespace fleet::status;

namespace {
constexpr int64_t kSec = 1000000;
}  // namespace

class ReadersTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ReadersTest);
  CPPUNIT_TEST(memberSlotFillsBalancingFields);
  CPPUNIT_TEST(memberSlotShowsTheRampOnlyForUsableMembers);
  CPPUNIT_TEST(healthRecordGivesTheLastChecks);
  CPPUNIT_TEST(checkerNamesTheLeaseHolder);
  CPPUNIT_TEST(cacheCountersAndServersInOrder);
  CPPUNIT_TEST(balancerNamesLoseTheirScheme);
  CPPUNIT_TEST(discoveredMembersSayWhenDnsBroughtThem);
  CPPUNIT_TEST_SUITE_END();

  std::vector<lb::MemberSlot> mem = std::vector<lb::MemberSlot>(8);
  lb::MemberSlot* slot() {
    lb::MemberTable t = lb::MemberTable::format(mem.data(), mem.size() * sizeof(lb::MemberSlot));
    return t.findOrClaim(42);
  }

 public:
  void memberSlotFillsBalancingFields() {
    lb::MemberSlot* s = slot();
    int64_t now = 500 * kSec;
    s->inflight.store(3);
    s->requests.store(1234);
    s->failures.store(9);
    s->ejections.store(2);
    s->ejectedUntil.store(now + 7 * kSec);
    MemberView mv;
    mv.usable = true;
    readMemberSlot(*s, lb::HealthConfig(), now, &mv);
    CPPUNIT_ASSERT_EQUAL(int64_t(3), mv.inflight);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1234), mv.requests);
    CPPUNIT_ASSERT_EQUAL(uint64_t(9), mv.failures);
    CPPUNIT_ASSERT_EQUAL(2u, mv.ejections);
    CPPUNIT_ASSERT(mv.ejected);
    CPPUNIT_ASSERT_EQUAL(int64_t(7 * kSec), mv.ejectedForMicros);
    CPPUNIT_ASSERT(mv.latencyMicros < 0);  // no sample yet
    CPPUNIT_ASSERT_EQUAL(-1, mv.slowStartPercent);
    s->ejectedUntil.store(now - 1);
    readMemberSlot(*s, lb::HealthConfig(), now, &mv);
    CPPUNIT_ASSERT(!mv.ejected);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), mv.ejectedForMicros);
  }
  void memberSlotShowsTheRampOnlyForUsableMembers() {
    lb::MemberSlot* s = slot();
    int64_t now = 500 * kSec;
    s->usableSince.store(now - 5 * kSec);
    lb::HealthConfig hc;
    hc.slowStartMicros = 10 * kSec;
    MemberView mv;
    mv.usable = true;
    readMemberSlot(*s, hc, now, &mv);
    CPPUNIT_ASSERT_EQUAL(55, mv.slowStartPercent);
    mv.usable = false;
    readMemberSlot(*s, hc, now, &mv);
    CPPUNIT_ASSERT_EQUAL(-1, mv.slowStartPercent);
  }
  void healthRecordGivesTheLastChecks() {
    lb::MemberSlot* s = slot();
    health::ProbeResult bad;
    bad.reason = "status 503";
    bad.status = 503;
    bad.latencyMicros = 1200;
    health::ProbeResult good;
    good.passed = true;
    good.reason = "ok";
    good.status = 200;
    good.latencyMicros = 800;
    health::recordCheck(s->health, bad, false, false, 100 * kSec);
    health::recordCheck(s->health, good, false, false, 101 * kSec);
    HealthView h;
    readHealthRecord(*s, 104 * kSec, &h);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), h.checks);
    CPPUNIT_ASSERT(h.lastPassed);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), h.reason);
    CPPUNIT_ASSERT_EQUAL(200, h.lastStatus);
    CPPUNIT_ASSERT_EQUAL(int64_t(800), h.lastLatencyMicros);
    CPPUNIT_ASSERT_EQUAL(int64_t(3 * kSec), h.lastCheckedAgoMicros);
    CPPUNIT_ASSERT_EQUAL(std::string("-+"), h.history);
    HealthView never;
    readHealthRecord(*slot(), 104 * kSec, &never);  // the table formatted afresh
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), never.lastCheckedAgoMicros);
  }
  void checkerNamesTheLeaseHolder() {
    health::CheckerControl c{};
    CheckerView none = readChecker(c, 10 * kSec, 1000 * kSec);
    CPPUNIT_ASSERT_EQUAL(0u, none.pid);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), none.heldForMicros);
    CPPUNIT_ASSERT(health::Lease::tryHold(c.lease, health::LeaseOwner{4711, 3}, 10 * kSec, kSec));
    c.heldSinceWall.store(990 * kSec);
    c.members.store(6);
    c.probes.store(77);
    c.takeovers.store(2);
    CheckerView v = readChecker(c, 10 * kSec + 250000, 1000 * kSec);
    CPPUNIT_ASSERT_EQUAL(4711u, v.pid);
    CPPUNIT_ASSERT_EQUAL(3u, v.generation);
    CPPUNIT_ASSERT_EQUAL(int64_t(250000), v.heartbeatAgeMicros);
    CPPUNIT_ASSERT_EQUAL(int64_t(10 * kSec), v.heldForMicros);
    CPPUNIT_ASSERT_EQUAL(6u, v.members);
    CPPUNIT_ASSERT_EQUAL(uint64_t(77), v.probes);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), v.takeovers);
  }
  void cacheCountersAndServersInOrder() {
    auto cs = std::make_unique<cache::CacheShared>();
    std::memset(static_cast<void*>(cs.get()), 0, sizeof(cache::CacheShared));
    cs->hits.store(10);
    cs->misses.store(4);
    cs->hitForMiss.store(1);
    cs->servers[1].down.store(1);
    cs->servers[1].errors.store(5);
    cs->servers[0].ops.store(99);
    CacheView v = readCache(*cs, {"10.0.0.1:11211", "10.0.0.2:11211"});
    CPPUNIT_ASSERT_EQUAL(uint64_t(10), v.hits);
    CPPUNIT_ASSERT_EQUAL(uint64_t(4), v.misses);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), v.hitForMiss);
    CPPUNIT_ASSERT_EQUAL(size_t(2), v.servers.size());
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.1:11211"), v.servers[0].name);
    CPPUNIT_ASSERT(v.servers[0].up);
    CPPUNIT_ASSERT_EQUAL(uint64_t(99), v.servers[0].ops);
    CPPUNIT_ASSERT(!v.servers[1].up);
    CPPUNIT_ASSERT_EQUAL(uint64_t(5), v.servers[1].errors);
  }
  void balancerNamesLoseTheirScheme() {
    CPPUNIT_ASSERT(shortBalancerName("balancer://web") == "web");
    CPPUNIT_ASSERT(shortBalancerName("web") == "web");
    CPPUNIT_ASSERT(shortBalancerName("balancer:/web") == "balancer:/web");
    CPPUNIT_ASSERT(shortBalancerName("") == "");
  }
  void discoveredMembersSayWhenDnsBroughtThem() {
    lb::MemberSlot* s = slot();
    MemberView configured;
    readDiscovery(*s, 100 * kSec, &configured);
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), configured.discoveredAgoMicros);
    s->discoveredBy.store(1);
    s->discoveredAt.store(90 * kSec);
    MemberView dns;
    readDiscovery(*s, 100 * kSec, &dns);
    CPPUNIT_ASSERT_EQUAL(int64_t(10 * kSec), dns.discoveredAgoMicros);
    std::string j = renderJson({{"b", "p2c", {dns}, "", {}}});
    CPPUNIT_ASSERT(j.find("\"source\":\"dns\",\"discovered_ago_us\":10000000") !=
                   std::string::npos);
    PageOptions o;
    dns.lbset = 1;
    std::string h = renderHtml({{"b", "p2c", {dns}, "", {}}}, nullptr, nullptr, o);
    CPPUNIT_ASSERT(h.find("DNS, 10 s ago") != std::string::npos);
    CPPUNIT_ASSERT(h.find("lbset 1") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ReadersTest, "status");
