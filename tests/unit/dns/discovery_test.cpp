#include "shared/dns/discovery.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::dns;

namespace {
constexpr int64_t kSec = 1000000;

Target t(const char* host, int port = 8080, uint32_t lf = 1, uint32_t lbset = 0) {
  return Target{host, port, lf, lbset};
}

MemberState member(const std::string& url, bool enabled, bool draining = false,
                   int64_t inflight = 0) {
  MemberState m;
  m.url = url;
  m.enabled = enabled;
  m.draining = draining;
  m.inflight = inflight;
  return m;
}

Record srv(uint16_t prio, uint16_t weight, uint16_t port, const char* target) {
  Record r;
  r.type = RecordType::kSrv;
  r.priority = prio;
  r.weight = weight;
  r.port = port;
  r.target = target;
  return r;
}

Record a(const char* address) {
  Record r;
  r.type = RecordType::kA;
  r.address = address;
  return r;
}

bool has(const Plan& p, Action::Kind k, const std::string& url) {
  for (const Action& x : p.actions) {
    if (x.kind == k && x.url == url) {
      return true;
    }
  }
  return false;
}
}  // namespace

class DiscoveryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(DiscoveryTest);
  CPPUNIT_TEST(parsesBothKindsAndSlots);
  CPPUNIT_TEST(badWordsSayWhatIsAccepted);
  CPPUNIT_TEST(urlsBracketIpv6);
  CPPUNIT_TEST(srvWeightsBecomeLoadfactorsAndPrioritiesLbsets);
  CPPUNIT_TEST(answersAreSortedAndAskedAgainWithinTheTtlBounds);
  CPPUNIT_TEST(aFailingNameKeepsItsMembersForTheHoldTime);
  CPPUNIT_TEST(anEmptyAnswerIsHeldLikeAFailure);
  CPPUNIT_TEST(askSoonBringsTheNextQueryForward);
  CPPUNIT_TEST(newAddressesAreAddedWithinTheSlots);
  CPPUNIT_TEST(vanishedMembersAreDrainedThenDisabledWhenIdle);
  CPPUNIT_TEST(aReturningAddressIsEnabledAgain);
  CPPUNIT_TEST(aSlotIsReusedOnlyOnceIdle);
  CPPUNIT_TEST(aFreeGrowthSlotComesBeforeReuse);
  CPPUNIT_TEST(aReusedSlotIsEnabledOnlyOnceSettled);
  CPPUNIT_TEST(weightChangesAreUpdates);
  CPPUNIT_TEST_SUITE_END();

  TtlBounds bounds{2 * kSec, 60 * kSec};

 public:
  void parsesBothKindsAndSlots() {
    DiscoverSpec d = parseDiscover({"dns", "app.internal", "http://8080"}).value();
    CPPUNIT_ASSERT(d.kind == DiscoverSpec::Kind::kDns);
    CPPUNIT_ASSERT_EQUAL(std::string("app.internal"), d.name);
    CPPUNIT_ASSERT_EQUAL(std::string("http"), d.scheme);
    CPPUNIT_ASSERT_EQUAL(8080, d.port);
    CPPUNIT_ASSERT_EQUAL(8u, d.slots);
    DiscoverSpec s = parseDiscover({"SRV", "_http._tcp.app.internal", "h2c", "slots=20"}).value();
    CPPUNIT_ASSERT(s.kind == DiscoverSpec::Kind::kSrv);
    CPPUNIT_ASSERT_EQUAL(std::string("h2c"), s.scheme);
    CPPUNIT_ASSERT_EQUAL(20u, s.slots);
  }
  void badWordsSayWhatIsAccepted() {
    auto says = [](const std::vector<std::string>& w, const std::string& text) {
      fleet::common::Result<DiscoverSpec> r = parseDiscover(w);
      return !r.isOk() && r.status().message().find(text) != std::string::npos;
    };
    CPPUNIT_ASSERT(says({"dns", "app"}, "takes dns <name>"));
    CPPUNIT_ASSERT(says({"a", "app", "http://80"}, "'a' is not valid; accepted: dns <name>"));
    CPPUNIT_ASSERT(says({"dns", "app internal", "http://80"}, "a host name"));
    CPPUNIT_ASSERT(
        says({"dns", "app", "http"}, "'http' is not valid; accepted: <scheme>://<port>"));
    CPPUNIT_ASSERT(says({"dns", "app", "http://0"}, "<scheme>://<port>"));
    CPPUNIT_ASSERT(says({"dns", "app", "http://99999"}, "<scheme>://<port>"));
    CPPUNIT_ASSERT(says({"srv", "http.tcp.app", "http"}, "an SRV name"));
    CPPUNIT_ASSERT(says({"srv", "_h._tcp.app", "ht tp"}, "a scheme"));
    CPPUNIT_ASSERT(says({"dns", "app", "http://80", "slots=0"}, "slots=<n> with n from 1"));
    CPPUNIT_ASSERT(says({"dns", "app", "http://80", "weight=2"}, "slots=<n>"));
  }
  void urlsBracketIpv6() {
    CPPUNIT_ASSERT_EQUAL(std::string("http://10.0.0.7:8080"), memberUrl("http", "10.0.0.7", 8080));
    CPPUNIT_ASSERT_EQUAL(std::string("https://[2001:db8::7]:8443"),
                         memberUrl("https", "2001:db8::7", 8443));
    // The scheme's default port is left out, as httpd names the worker (else the member added
    // as http://10.0.0.7:80 was not found again as http://10.0.0.7, and drained).
    CPPUNIT_ASSERT_EQUAL(std::string("http://10.0.0.7"), memberUrl("http", "10.0.0.7", 80));
    CPPUNIT_ASSERT_EQUAL(std::string("https://[2001:db8::7]"),
                         memberUrl("https", "2001:db8::7", 443));
    CPPUNIT_ASSERT_EQUAL(std::string("fcgi://10.0.0.7"), memberUrl("fcgi", "10.0.0.7", 8000));
    CPPUNIT_ASSERT_EQUAL(std::string("fcgi://10.0.0.7:80"), memberUrl("fcgi", "10.0.0.7", 80));
  }
  void srvWeightsBecomeLoadfactorsAndPrioritiesLbsets() {
    std::vector<Record> records = {srv(10, 60, 8080, "a.x"), srv(10, 30, 8081, "b.x"),
                                   srv(20, 0, 8082, "c.x"), srv(10, 5, 0, ".")};
    std::vector<std::pair<std::string, Record>> addrs = {{"a.x", a("127.0.0.2")},
                                                         {"B.X", a("127.0.0.3")},
                                                         {"c.x", a("127.0.0.4")},
                                                         {"a.x", a("127.0.0.5")}};
    std::vector<Target> ts = targetsFromSrv(records, addrs);
    CPPUNIT_ASSERT_EQUAL(size_t(4), ts.size());
    CPPUNIT_ASSERT(ts[0] == t("127.0.0.2", 8080, 100, 0));
    CPPUNIT_ASSERT(ts[1] == t("127.0.0.3", 8081, 50, 0));
    CPPUNIT_ASSERT(ts[2] == t("127.0.0.5", 8080, 100, 0));
    CPPUNIT_ASSERT(ts[3] == t("127.0.0.4", 8082, 1, 1));  // the lower priority: the standby set
    std::vector<Target> equal = targetsFromSrv({srv(1, 0, 80, "a.x"), srv(1, 0, 80, "b.x")}, addrs);
    CPPUNIT_ASSERT_EQUAL(1u, equal[0].loadfactor);
    CPPUNIT_ASSERT_EQUAL(1u, equal[1].loadfactor);
    // httpd's lbsets stop at 99: a hundred and more priorities share the last one.
    std::vector<Record> many;
    for (uint16_t p = 0; p < 120; ++p) {
      many.push_back(srv(p, 1, static_cast<uint16_t>(8000 + p), "a.x"));
    }
    std::vector<Target> capped = targetsFromSrv(many, addrs);
    CPPUNIT_ASSERT_EQUAL(size_t(240), capped.size());
    CPPUNIT_ASSERT_EQUAL(99u, capped.back().lbset);
    CPPUNIT_ASSERT_EQUAL(98u, capped[2 * 98].lbset);
  }
  void answersAreSortedAndAskedAgainWithinTheTtlBounds() {
    Discovery d(parseDiscover({"dns", "app", "http://80"}).value(), bounds, 30 * kSec);
    CPPUNIT_ASSERT(d.due(0));
    d.asking();
    CPPUNIT_ASSERT(!d.due(0));
    d.answered({t("127.0.0.3"), t("127.0.0.2")}, 1, 100 * kSec);
    CPPUNIT_ASSERT(d.takeChanged());
    CPPUNIT_ASSERT(!d.takeChanged());
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.2"), d.targets()[0].host);
    CPPUNIT_ASSERT_EQUAL(102 * kSec, d.nextAt());  // a 1 s TTL: the 2 s floor
    d.answered({t("127.0.0.2"), t("127.0.0.3")}, 3600, 102 * kSec);
    CPPUNIT_ASSERT(!d.takeChanged());              // the same members in another order: no change
    CPPUNIT_ASSERT_EQUAL(162 * kSec, d.nextAt());  // an hour: the 60 s ceiling
  }
  void aFailingNameKeepsItsMembersForTheHoldTime() {
    Discovery d(parseDiscover({"dns", "app", "http://80"}).value(), bounds, 30 * kSec);
    d.answered({t("127.0.0.2")}, 5, 0);
    d.takeChanged();
    d.failed("timeout", 10 * kSec);
    CPPUNIT_ASSERT_EQUAL(size_t(1), d.targets().size());
    CPPUNIT_ASSERT_EQUAL(std::string("timeout"), d.lastError());
    CPPUNIT_ASSERT_EQUAL(12 * kSec, d.nextAt());  // asked again at the floor
    d.failed("NXDOMAIN", 39 * kSec);
    CPPUNIT_ASSERT_EQUAL(size_t(1), d.targets().size());
    CPPUNIT_ASSERT(!d.takeChanged());
    d.failed("NXDOMAIN", 40 * kSec);  // 30 s after the first failure: gone
    CPPUNIT_ASSERT(d.targets().empty());
    CPPUNIT_ASSERT(d.takeChanged());
    d.answered({t("127.0.0.9")}, 5, 50 * kSec);  // it comes back
    CPPUNIT_ASSERT_EQUAL(size_t(1), d.targets().size());
    CPPUNIT_ASSERT(d.lastError().empty());
  }
  void anEmptyAnswerIsHeldLikeAFailure() {
    Discovery d(parseDiscover({"dns", "app", "http://80"}).value(), bounds, 30 * kSec);
    d.answered({t("127.0.0.2")}, 5, 0);
    d.answered({}, 5, 1 * kSec);
    CPPUNIT_ASSERT_EQUAL(size_t(1), d.targets().size());
    CPPUNIT_ASSERT_EQUAL(std::string("no records"), d.lastError());
  }
  void askSoonBringsTheNextQueryForward() {
    Discovery d(parseDiscover({"dns", "app", "http://80"}).value(), bounds, 30 * kSec);
    d.answered({t("127.0.0.2")}, 50, 0);
    CPPUNIT_ASSERT(!d.due(10 * kSec));
    d.askSoon(10 * kSec);
    CPPUNIT_ASSERT(d.due(10 * kSec));
  }
  void newAddressesAreAddedWithinTheSlots() {
    Plan p = reconcile({t("127.0.0.2"), t("127.0.0.3"), t("127.0.0.4")}, "http",
                       {member("http://127.0.0.2:8080", true)}, 2, 10);
    CPPUNIT_ASSERT(has(p, Action::Kind::kAdd, "http://127.0.0.3:8080"));
    CPPUNIT_ASSERT(!has(p, Action::Kind::kAdd, "http://127.0.0.4:8080"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), p.noRoom.size());  // two slots: one is left out, and said so
    Plan growth = reconcile({t("127.0.0.3"), t("127.0.0.4")}, "http", {}, 8, 1);
    CPPUNIT_ASSERT_EQUAL(size_t(1), growth.actions.size());  // one free growth slot in httpd
    CPPUNIT_ASSERT_EQUAL(size_t(1), growth.noRoom.size());
  }
  void vanishedMembersAreDrainedThenDisabledWhenIdle() {
    std::vector<Target> want = {t("127.0.0.2")};
    Plan first = reconcile(
        want, "http",
        {member("http://127.0.0.2:8080", true), member("http://127.0.0.3:8080", true)}, 8, 8);
    CPPUNIT_ASSERT(has(first, Action::Kind::kDrain, "http://127.0.0.3:8080"));
    Plan busy = reconcile(want, "http", {member("http://127.0.0.3:8080", true, true, 2)}, 8, 8);
    CPPUNIT_ASSERT(!has(busy, Action::Kind::kDisable, "http://127.0.0.3:8080"));  // still serving
    Plan idle = reconcile(want, "http", {member("http://127.0.0.3:8080", true, true, 0)}, 8, 8);
    CPPUNIT_ASSERT(has(idle, Action::Kind::kDisable, "http://127.0.0.3:8080"));
  }
  void aReturningAddressIsEnabledAgain() {
    Plan p = reconcile({t("127.0.0.3")}, "http", {member("http://127.0.0.3:8080", false)}, 8, 8);
    CPPUNIT_ASSERT(has(p, Action::Kind::kEnable, "http://127.0.0.3:8080"));
    Plan draining =
        reconcile({t("127.0.0.3")}, "http", {member("http://127.0.0.3:8080", true, true, 3)}, 8, 8);
    CPPUNIT_ASSERT(has(draining, Action::Kind::kEnable, "http://127.0.0.3:8080"));
  }
  void aSlotIsReusedOnlyOnceIdle() {
    std::vector<MemberState> full = {member("http://127.0.0.2:8080", true),
                                     member("http://127.0.0.3:8080", true, true, 0),
                                     member("http://127.0.0.5:8080", false, false, 0)};
    Plan p = reconcile({t("127.0.0.2"), t("127.0.0.8")}, "http", full, 3, 8);
    // Three slots, all taken: the new address takes the slot of 127.0.0.5 (disabled and idle),
    // not that of 127.0.0.3 (still draining).
    CPPUNIT_ASSERT(p.noRoom.empty());
    CPPUNIT_ASSERT(!has(p, Action::Kind::kAdd, "http://127.0.0.8:8080"));
    CPPUNIT_ASSERT(has(p, Action::Kind::kReuse, "http://127.0.0.8:8080"));
    const Action* reuse = nullptr;
    for (const Action& a : p.actions) {
      reuse = a.kind == Action::Kind::kReuse ? &a : reuse;
    }
    CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.5:8080"), reuse->from);
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.8"), reuse->host);
    CPPUNIT_ASSERT_EQUAL(8080, reuse->port);
    CPPUNIT_ASSERT(has(p, Action::Kind::kDisable, "http://127.0.0.3:8080"));
    // A disabled member with requests still in flight (a sticky one, a slow answer) keeps its
    // slot: the new address waits, and is named.
    full[2].inflight = 1;
    Plan busy = reconcile({t("127.0.0.2"), t("127.0.0.8")}, "http", full, 3, 8);
    CPPUNIT_ASSERT(!has(busy, Action::Kind::kReuse, "http://127.0.0.8:8080"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), busy.noRoom.size());
    // When 127.0.0.5 comes back it takes its own slot again.
    full[2].inflight = 0;
    Plan back = reconcile({t("127.0.0.2"), t("127.0.0.5")}, "http", full, 3, 8);
    CPPUNIT_ASSERT(has(back, Action::Kind::kEnable, "http://127.0.0.5:8080"));
    CPPUNIT_ASSERT(back.noRoom.empty());
  }
  void aFreeGrowthSlotComesBeforeReuse() {
    std::vector<MemberState> cur = {member("http://127.0.0.5:8080", false, false, 0)};
    Plan p = reconcile({t("127.0.0.8")}, "http", cur, 3, 1);
    CPPUNIT_ASSERT(has(p, Action::Kind::kAdd, "http://127.0.0.8:8080"));
    CPPUNIT_ASSERT(!has(p, Action::Kind::kReuse, "http://127.0.0.8:8080"));
    // Two new addresses, one free slot and one reusable: one of each.
    Plan two = reconcile({t("127.0.0.8"), t("127.0.0.9")}, "http", cur, 2, 1);
    CPPUNIT_ASSERT(has(two, Action::Kind::kAdd, "http://127.0.0.8:8080"));
    CPPUNIT_ASSERT(has(two, Action::Kind::kReuse, "http://127.0.0.9:8080"));
  }
  void aReusedSlotIsEnabledOnlyOnceSettled() {
    MemberState m = member("http://127.0.0.8:8080", false, false, 0);
    m.settling = true;  // its slot was given to it a moment ago
    Plan early = reconcile({t("127.0.0.8")}, "http", {m}, 3, 0);
    CPPUNIT_ASSERT(early.actions.empty());
    CPPUNIT_ASSERT(early.noRoom.empty());
    m.settling = false;
    CPPUNIT_ASSERT(has(reconcile({t("127.0.0.8")}, "http", {m}, 3, 0), Action::Kind::kEnable,
                       "http://127.0.0.8:8080"));
    // A settling slot is never taken again by yet another address.
    m.settling = true;
    Plan other = reconcile({t("127.0.0.9")}, "http", {m}, 1, 0);
    CPPUNIT_ASSERT(!has(other, Action::Kind::kReuse, "http://127.0.0.9:8080"));
  }
  void weightChangesAreUpdates() {
    MemberState m = member("http://127.0.0.2:8080", true);
    Plan p = reconcile({t("127.0.0.2", 8080, 50, 1)}, "http", {m}, 8, 8);
    CPPUNIT_ASSERT_EQUAL(size_t(1), p.actions.size());
    CPPUNIT_ASSERT(p.actions[0].kind == Action::Kind::kUpdate);
    CPPUNIT_ASSERT_EQUAL(50u, p.actions[0].loadfactor);
    CPPUNIT_ASSERT_EQUAL(1u, p.actions[0].lbset);
    CPPUNIT_ASSERT(reconcile({t("127.0.0.2")}, "http", {m}, 8, 8).actions.empty());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(DiscoveryTest, "dns");
