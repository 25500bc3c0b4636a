#include "shared/dns/address_resolver.h"

#include <arpa/inet.h>
#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>

#include <map>
#include <vector>

using namespace fleet::dns;
using fleet::health::ResolveKind;

namespace {
// Answers only when poll() is called, like c-ares.
class ScriptedDns : public Resolver {
 public:
  std::map<std::pair<std::string, RecordType>, Answer> script;
  std::vector<std::pair<Done, Answer>> queued;
  std::vector<std::string> asked;
  void query(const std::string& name, RecordType type, Done done) override {
    asked.push_back(name + (type == RecordType::kA ? "/A" : "/AAAA"));
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
    auto batch = std::move(queued);
    queued.clear();
    for (auto& [done, a] : batch) {
      done(a);
    }
  }
  size_t pending() const override { return queued.size(); }
  bool hostsFile(const std::string& name, std::string* address) override {
    if (name != "localhost") {
      return false;
    }
    *address = "127.0.0.1";
    return true;
  }
};

Answer records(std::vector<Record> r) {
  Answer a;
  a.outcome = Outcome::kAnswer;
  a.records = std::move(r);
  return a;
}

Record rec(RecordType t, const char* address) {
  Record r;
  r.type = t;
  r.address = address;
  return r;
}

int portOf(const fleet::health::Resolution& r) {
  return r.addr.ss_family == AF_INET
             ? ntohs(reinterpret_cast<const sockaddr_in*>(&r.addr)->sin_port)
             : ntohs(reinterpret_cast<const sockaddr_in6*>(&r.addr)->sin6_port);
}
}  // namespace

class AddressResolverTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AddressResolverTest);
  CPPUNIT_TEST(literalsAnswerAtOnceWithoutAsking);
  CPPUNIT_TEST(aNameIsPendingUntilItsAnswer);
  CPPUNIT_TEST(anIpv6OnlyNameFallsBackToAaaa);
  CPPUNIT_TEST(aFailureSaysWhy);
  CPPUNIT_TEST_SUITE_END();

  ScriptedDns dns;
  AddressResolver resolver{dns};

 public:
  void literalsAnswerAtOnceWithoutAsking() {
    fleet::health::Resolution r = resolver.resolve("127.0.0.2", 8080);
    CPPUNIT_ASSERT(r.kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT_EQUAL(8080, portOf(r));
    CPPUNIT_ASSERT(resolver.resolve("[::1]", 443).kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT(resolver.resolve("localhost", 80).kind == ResolveKind::kResolved);  // hosts file
    CPPUNIT_ASSERT(dns.asked.empty());
  }
  void aNameIsPendingUntilItsAnswer() {
    dns.script[{"app.test", RecordType::kA}] = records({rec(RecordType::kA, "10.0.0.7")});
    CPPUNIT_ASSERT(resolver.resolve("app.test", 80).kind == ResolveKind::kPending);
    fleet::health::Resolution r = resolver.resolve("app.test", 80);  // polls, then answers
    CPPUNIT_ASSERT(r.kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT_EQUAL(80, portOf(r));
    CPPUNIT_ASSERT_EQUAL(size_t(1), dns.asked.size());
    CPPUNIT_ASSERT(resolver.resolve("app.test", 80).kind == ResolveKind::kPending);  // asked again
    CPPUNIT_ASSERT_EQUAL(size_t(2), dns.asked.size());
  }
  void anIpv6OnlyNameFallsBackToAaaa() {
    dns.script[{"v6.test", RecordType::kA}] = records({});
    dns.script[{"v6.test", RecordType::kAaaa}] = records({rec(RecordType::kAaaa, "2001:db8::1")});
    resolver.resolve("v6.test", 80);
    CPPUNIT_ASSERT(resolver.resolve("v6.test", 80).kind == ResolveKind::kPending);  // now AAAA
    fleet::health::Resolution r = resolver.resolve("v6.test", 80);
    CPPUNIT_ASSERT(r.kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT_EQUAL(int(AF_INET6), int(r.addr.ss_family));
  }
  void aFailureSaysWhy() {
    resolver.resolve("gone.test", 80);
    fleet::health::Resolution first = resolver.resolve("gone.test", 80);  // NXDOMAIN for A...
    CPPUNIT_ASSERT(first.kind == ResolveKind::kPending);                  // ...so AAAA is asked
    fleet::health::Resolution r = resolver.resolve("gone.test", 80);
    CPPUNIT_ASSERT(r.kind == ResolveKind::kFailed);
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve gone.test: NXDOMAIN"), r.error);
    Answer timeout;
    timeout.error = "Timeout while contacting DNS servers";
    dns.script[{"slow.test", RecordType::kA}] = timeout;
    resolver.resolve("slow.test", 80);
    fleet::health::Resolution t = resolver.resolve("slow.test", 80);  // a failure: no AAAA try
    CPPUNIT_ASSERT(t.kind == ResolveKind::kFailed);
    CPPUNIT_ASSERT(t.error.find("Timeout") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(AddressResolverTest, "dns");
