#include "shared/dns/runner.h"

#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <set>

#include "tests/unit/cache/fake_store.h"

using namespace fleet::dns;
using fleet::common::ManualClock;

namespace {
constexpr int64_t kSec = 1000000;

Record addr(const char* ip, uint32_t ttl = 5) {
  Record r;
  r.type = ip[0] == ':' || std::string(ip).find(':') != std::string::npos ? RecordType::kAaaa
                                                                          : RecordType::kA;
  r.address = ip;
  r.ttl = ttl;
  return r;
}

Record srv(uint16_t prio, uint16_t weight, uint16_t port, const char* target, uint32_t ttl = 5) {
  Record r;
  r.type = RecordType::kSrv;
  r.priority = prio;
  r.weight = weight;
  r.port = port;
  r.target = target;
  r.ttl = ttl;
  return r;
}

// Answers from a script: name+type -> answer; unscripted names get NXDOMAIN. Answers come out of
// poll(), never from query() itself, as from a real resolver.
class FakeResolver : public Resolver {
 public:
  std::map<std::pair<std::string, RecordType>, Answer> script;
  std::vector<std::pair<Done, Answer>> queued;
  int queries = 0;
  void answer(const std::string& name, RecordType t, std::vector<Record> records) {
    Answer a;
    a.outcome = Outcome::kAnswer;
    a.records = std::move(records);
    script[{name, t}] = a;
  }
  void fail(const std::string& name, RecordType t, const char* why) {
    Answer a;
    a.outcome = Outcome::kFailed;
    a.error = why;
    script[{name, t}] = a;
  }
  void query(const std::string& name, RecordType type, Done done) override {
    ++queries;
    auto it = script.find({name, type});
    Answer a;
    if (it != script.end()) {
      a = it->second;
    } else {
      a.outcome = Outcome::kNoName;
      a.error = "NXDOMAIN";
    }
    queued.emplace_back(std::move(done), a);
  }
  void poll(int) override {
    while (!queued.empty()) {  // answers may start further queries (SRV targets)
      auto batch = std::move(queued);
      queued.clear();
      for (auto& [done, a] : batch) {
        done(a);
      }
    }
  }
  size_t pending() const override { return queued.size(); }
};

// httpd's side: the members as actions left them, busy counts set by the test.
class FakePort : public DiscoveryPort {
 public:
  std::map<std::string, MemberState> members_;
  std::vector<std::string> log;
  size_t growth = 10;
  std::vector<MemberState> members(size_t) override {
    std::vector<MemberState> out;
    for (auto& [url, m] : members_) {
      out.push_back(m);
    }
    return out;
  }
  size_t freeGrowth(size_t) override { return growth; }
  bool apply(size_t, const Action& a) override {
    MemberState& m = members_[a.url];
    m.url = a.url;
    switch (a.kind) {
      case Action::Kind::kAdd:
        --growth;
        [[fallthrough]];
      case Action::Kind::kEnable:
        m.enabled = true;
        m.draining = false;
        [[fallthrough]];
      case Action::Kind::kUpdate:
        m.loadfactor = a.loadfactor;
        m.lbset = a.lbset;
        break;
      case Action::Kind::kDrain:
        m.draining = true;
        break;
      case Action::Kind::kDisable:
        m.enabled = false;
        m.draining = false;
        break;
      case Action::Kind::kReuse:  // the slot of `from` now holds url, disabled until enabled
        members_.erase(a.from);
        m.enabled = false;
        m.draining = false;
        m.loadfactor = a.loadfactor;
        m.lbset = a.lbset;
        break;
    }
    log.push_back(std::to_string(static_cast<int>(a.kind)) + " " + a.url);
    return true;
  }
  void noRoom(size_t, const std::string& url) override { log.push_back("noroom " + url); }
  void failing(size_t, const std::string& why, size_t kept) override {
    log.push_back("failing " + why + " kept " + std::to_string(kept));
  }
  bool active(const std::string& url) {
    auto it = members_.find(url);
    return it != members_.end() && it->second.enabled && !it->second.draining;
  }
};
}  // namespace

class RunnerTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RunnerTest);
  CPPUNIT_TEST(aNameBecomesMembers);
  CPPUNIT_TEST(aVanishedAddressDrainsThenGoesWhenIdle);
  CPPUNIT_TEST(srvTargetsAreResolvedAndWeighted);
  CPPUNIT_TEST(aFailingServerKeepsTheMembersForTheHold);
  CPPUNIT_TEST(aNameWithoutAnswerAtFirstFillsInLater);
  CPPUNIT_TEST(askSoonQueriesAtTheNextStep);
  CPPUNIT_TEST(aNewAddressTakesTheSlotOfOneGoneOnceIdle);
  CPPUNIT_TEST(twoServersSharingMemcachedAddTheSameMembers);
  CPPUNIT_TEST_SUITE_END();

  FakeResolver resolver;
  FakePort port;
  ManualClock clock{1000 * kSec};
  TtlBounds bounds{1 * kSec, 60 * kSec};

  std::unique_ptr<DiscoveryRunner> runner(const std::vector<std::string>& words) {
    return std::make_unique<DiscoveryRunner>(
        std::vector<DiscoverSpec>{parseDiscover(words).value()}, bounds, 10 * kSec, resolver, port,
        clock);
  }

 public:
  void aNameBecomesMembers() {
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.3"), addr("127.0.0.2")});
    resolver.answer("app.test", RecordType::kAaaa, {});
    auto r = runner({"dns", "app.test", "http://8080"});
    r->step(0);
    CPPUNIT_ASSERT(port.active("http://127.0.0.2:8080"));
    CPPUNIT_ASSERT(port.active("http://127.0.0.3:8080"));
    CPPUNIT_ASSERT_EQUAL(std::string("0 http://127.0.0.2:8080"), port.log[0]);  // sorted order
    int asked = resolver.queries;
    clock.advanceMicros(4 * kSec);
    r->step(0);
    CPPUNIT_ASSERT_EQUAL(asked, resolver.queries);  // the TTL (5 s) has not run out
    clock.advanceMicros(1 * kSec);
    r->step(0);
    CPPUNIT_ASSERT_EQUAL(asked + 2, resolver.queries);
  }
  void aVanishedAddressDrainsThenGoesWhenIdle() {
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.2"), addr("127.0.0.3")});
    auto r = runner({"dns", "app.test", "http://8080"});
    r->step(0);
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.2")});
    port.members_["http://127.0.0.3:8080"].inflight = 2;  // requests still on it
    clock.advanceMicros(5 * kSec);
    r->step(0);
    CPPUNIT_ASSERT(port.members_["http://127.0.0.3:8080"].draining);
    CPPUNIT_ASSERT(port.members_["http://127.0.0.3:8080"].enabled);
    clock.advanceMicros(DiscoveryRunner::kRecheckMicros);
    r->step(0);
    CPPUNIT_ASSERT(port.members_["http://127.0.0.3:8080"].enabled);  // still busy
    port.members_["http://127.0.0.3:8080"].inflight = 0;
    clock.advanceMicros(DiscoveryRunner::kRecheckMicros);
    r->step(0);
    CPPUNIT_ASSERT(!port.members_["http://127.0.0.3:8080"].enabled);
    CPPUNIT_ASSERT(port.active("http://127.0.0.2:8080"));
  }
  void aNewAddressTakesTheSlotOfOneGoneOnceIdle() {
    port.growth = 2;
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.2"), addr("127.0.0.3")});
    resolver.answer("app.test", RecordType::kAaaa, {});
    auto r = runner({"dns", "app.test", "http://8080", "slots=2"});
    r->step(0);
    CPPUNIT_ASSERT_EQUAL(size_t(0), port.growth);
    // 127.0.0.3 is replaced by 127.0.0.4 (an autoscaling group): no growth slot is left.
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.2"), addr("127.0.0.4")});
    port.members_["http://127.0.0.3:8080"].inflight = 1;
    clock.advanceMicros(5 * kSec);
    r->step(0);
    CPPUNIT_ASSERT(port.members_["http://127.0.0.3:8080"].draining);
    CPPUNIT_ASSERT(port.members_.count("http://127.0.0.4:8080") == 0);  // waits for the slot
    port.members_["http://127.0.0.3:8080"].inflight = 0;
    clock.advanceMicros(DiscoveryRunner::kRecheckMicros);
    r->step(0);  // 127.0.0.3 disabled: idle, and out of service
    CPPUNIT_ASSERT(!port.members_["http://127.0.0.3:8080"].enabled);
    clock.advanceMicros(DiscoveryRunner::kRecheckMicros);
    r->step(0);  // its slot goes to 127.0.0.4, still disabled
    CPPUNIT_ASSERT(port.members_.count("http://127.0.0.3:8080") == 0);
    CPPUNIT_ASSERT(!port.members_["http://127.0.0.4:8080"].enabled);
    clock.advanceMicros(DiscoveryRunner::kRecheckMicros);
    r->step(0);  // settled (the fake settles at once): enabled
    CPPUNIT_ASSERT(port.active("http://127.0.0.4:8080"));
    CPPUNIT_ASSERT(port.active("http://127.0.0.2:8080"));
    CPPUNIT_ASSERT_EQUAL(size_t(0), port.growth);
  }
  void srvTargetsAreResolvedAndWeighted() {
    resolver.answer("_http._tcp.app.test", RecordType::kSrv,
                    {srv(10, 100, 8080, "a.app.test"), srv(10, 50, 8081, "b.app.test"),
                     srv(20, 10, 8082, "c.app.test")});
    resolver.answer("a.app.test", RecordType::kA, {addr("127.0.0.2")});
    resolver.answer("b.app.test", RecordType::kA, {addr("127.0.0.3")});
    resolver.answer("c.app.test", RecordType::kAaaa, {addr("::1")});
    resolver.fail("c.app.test", RecordType::kA, "NODATA");
    auto r = runner({"srv", "_http._tcp.app.test", "http"});
    r->step(0);
    CPPUNIT_ASSERT_EQUAL(100u, port.members_["http://127.0.0.2:8080"].loadfactor);
    CPPUNIT_ASSERT_EQUAL(50u, port.members_["http://127.0.0.3:8081"].loadfactor);
    CPPUNIT_ASSERT_EQUAL(1u, port.members_["http://[::1]:8082"].lbset);  // standby set
    CPPUNIT_ASSERT_EQUAL(0u, port.members_["http://127.0.0.2:8080"].lbset);
  }
  void aFailingServerKeepsTheMembersForTheHold() {
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.2")});
    auto r = runner({"dns", "app.test", "http://8080"});
    r->step(0);
    resolver.fail("app.test", RecordType::kA, "timeout");
    resolver.fail("app.test", RecordType::kAaaa, "timeout");
    clock.advanceMicros(5 * kSec);
    r->step(0);
    CPPUNIT_ASSERT(port.active("http://127.0.0.2:8080"));
    CPPUNIT_ASSERT_EQUAL(std::string("failing app.test: timeout kept 1"), port.log.back());
    clock.advanceMicros(11 * kSec);  // past the 10 s hold
    r->step(0);
    CPPUNIT_ASSERT(port.members_["http://127.0.0.2:8080"].draining);
  }
  void aNameWithoutAnswerAtFirstFillsInLater() {
    auto r = runner({"dns", "later.test", "http://8080"});
    r->step(0);
    CPPUNIT_ASSERT(port.members_.empty());
    resolver.answer("later.test", RecordType::kA, {addr("127.0.0.4")});
    clock.advanceMicros(1 * kSec);  // failures are asked again at the TTL floor
    r->step(0);
    CPPUNIT_ASSERT(port.active("http://127.0.0.4:8080"));
  }
  void askSoonQueriesAtTheNextStep() {
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.2", 60)});
    auto r = runner({"dns", "app.test", "http://8080"});
    r->step(0);
    int asked = resolver.queries;
    r->askSoon();
    r->step(0);
    CPPUNIT_ASSERT_EQUAL(asked + 2, resolver.queries);
  }
  void twoServersSharingMemcachedAddTheSameMembers() {
    fleet::cache::testing::FakeStore memcached;
    FakeResolver otherDns;  // the second server's resolver answers differently (round robin)
    FakePort otherPort;
    resolver.answer("app.test", RecordType::kA, {addr("127.0.0.2"), addr("127.0.0.3")});
    otherDns.answer("app.test", RecordType::kA, {addr("127.0.0.3"), addr("127.0.0.7")});
    auto a = runner({"dns", "app.test", "http://8080"});
    DiscoveryRunner b({parseDiscover({"dns", "app.test", "http://8080"}).value()}, bounds,
                      10 * kSec, otherDns, otherPort, clock);
    a->shareThrough(0, memcached, "fl2:dns:t", "server-a");
    b.shareThrough(0, memcached, "fl2:dns:t", "server-b");
    a->step(0);
    b.step(0);
    CPPUNIT_ASSERT(otherPort.active("http://127.0.0.2:8080"));  // a's list, not b's own answer
    CPPUNIT_ASSERT(!otherPort.active("http://127.0.0.7:8080"));
    CPPUNIT_ASSERT(port.log == otherPort.log);  // the same changes, in the same order
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), b.fleetVersion(0));
    memcached.down = true;  // memcached gone: each server on its own answers again
    clock.advanceMicros(DiscoveryRunner::kSyncMicros);
    b.step(0);
    CPPUNIT_ASSERT(otherPort.active("http://127.0.0.7:8080"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), b.fleetVersion(0));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RunnerTest, "dns");
