#include "shared/health/resolve_cache.h"

#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>

#include <deque>
#include <string>
#include <vector>

using namespace fleet::health;

namespace {

constexpr int64_t kSec = 1000000;

Resolution resolvedTo(uint8_t lastOctet) {
  Resolution r;
  r.kind = ResolveKind::kResolved;
  auto* in = reinterpret_cast<sockaddr_in*>(&r.addr);
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = htonl(0x0a000000u | lastOctet);  // 10.0.0.n
  r.addrLen = sizeof(sockaddr_in);
  return r;
}

Resolution failed(const std::string& why) {
  Resolution r;
  r.kind = ResolveKind::kFailed;
  r.error = why;
  return r;
}

Resolution pending() { return Resolution(); }

uint8_t lastOctet(const Resolution& r) {
  return static_cast<uint8_t>(
      ntohl(reinterpret_cast<const sockaddr_in*>(&r.addr)->sin_addr.s_addr));
}

// Answers from a script, one per call, and remembers what it was asked.
struct ScriptedResolver : Resolver {
  std::deque<Resolution> answers;
  std::vector<std::string> asked;
  Resolution resolve(const std::string& host, int port) override {
    asked.push_back(host + ":" + std::to_string(port));
    Resolution r = answers.front();
    answers.pop_front();
    return r;
  }
};

}  // namespace

class ResolveCacheTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ResolveCacheTest);
  CPPUNIT_TEST(anAnswerIsKeptForTheTtl);
  CPPUNIT_TEST(eachHostAndPortIsResolvedOnItsOwn);
  CPPUNIT_TEST(aFailureIsRetriedSoonerAndLoggedOncePerAttempt);
  CPPUNIT_TEST(aFailureAfterASuccessReplacesTheAddress);
  CPPUNIT_TEST(aPendingFirstAnswerIsPendingUntilItComes);
  CPPUNIT_TEST(thePreviousAnswerStandsWhileTheNextIsPending);
  CPPUNIT_TEST(aFailureWithoutReasonGetsOne);
  CPPUNIT_TEST_SUITE_END();

  ScriptedResolver resolver;
  std::vector<std::string> logged;
  ResolveCache::OnFailure log = [this](const std::string& why) { logged.push_back(why); };

 public:
  void anAnswerIsKeptForTheTtl() {
    ResolveCache cache(resolver);
    resolver.answers = {resolvedTo(1), resolvedTo(2)};
    CPPUNIT_ASSERT_EQUAL(uint8_t(1), lastOctet(cache.lookup("web", 80, 0, log)));
    CPPUNIT_ASSERT_EQUAL(uint8_t(1), lastOctet(cache.lookup("web", 80, 30 * kSec - 1, log)));
    CPPUNIT_ASSERT_EQUAL(size_t(1), resolver.asked.size());
    Resolution r = cache.lookup("web", 80, 30 * kSec, log);  // the ttl is over: asked again
    CPPUNIT_ASSERT(r.kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT_EQUAL(uint8_t(2), lastOctet(r));
    CPPUNIT_ASSERT_EQUAL(size_t(2), resolver.asked.size());
    CPPUNIT_ASSERT(logged.empty());
  }
  void eachHostAndPortIsResolvedOnItsOwn() {
    ResolveCache cache(resolver);
    resolver.answers = {resolvedTo(1), resolvedTo(2), resolvedTo(3)};
    cache.lookup("web", 80, 0, log);
    cache.lookup("web", 8080, 0, log);
    cache.lookup("api", 80, 0, log);
    cache.lookup("web", 80, kSec, log);
    std::string joined;
    for (const std::string& a : resolver.asked) {
      joined += a + " ";
    }
    CPPUNIT_ASSERT_EQUAL(std::string("web:80 web:8080 api:80 "), joined);
    CPPUNIT_ASSERT_EQUAL(size_t(3), cache.size());
  }
  void aFailureIsRetriedSoonerAndLoggedOncePerAttempt() {
    ResolveCache cache(resolver);
    resolver.answers = {failed("cannot resolve gone: Name or service not known"),
                        failed("cannot resolve gone: try again"), resolvedTo(4)};
    for (int64_t t = 0; t < 5 * kSec; t += kSec) {  // refreshes every second: one attempt
      Resolution r = cache.lookup("gone", 80, t, log);
      CPPUNIT_ASSERT(r.kind == ResolveKind::kFailed);
      CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve gone: Name or service not known"), r.error);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(1), logged.size());
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve gone: try again"),
                         cache.lookup("gone", 80, 5 * kSec, log).error);  // retried after 5 s
    CPPUNIT_ASSERT_EQUAL(size_t(2), logged.size());
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve gone: try again"), logged[1]);
    Resolution r = cache.lookup("gone", 80, 10 * kSec, log);
    CPPUNIT_ASSERT(r.kind == ResolveKind::kResolved);
    CPPUNIT_ASSERT(r.error.empty());
    CPPUNIT_ASSERT_EQUAL(size_t(2), logged.size());
    CPPUNIT_ASSERT_EQUAL(size_t(3), resolver.asked.size());
  }
  void aFailureAfterASuccessReplacesTheAddress() {
    ResolveCache cache(resolver);
    resolver.answers = {resolvedTo(1), failed("cannot resolve web: gone")};
    cache.lookup("web", 80, 0, log);
    Resolution r = cache.lookup("web", 80, 30 * kSec, log);
    // Checks fail with the reason rather than go on to an address DNS no longer gives.
    CPPUNIT_ASSERT(r.kind == ResolveKind::kFailed);
    CPPUNIT_ASSERT_EQUAL(size_t(1), logged.size());
  }
  void aPendingFirstAnswerIsPendingUntilItComes() {
    ResolveCache cache(resolver);
    resolver.answers = {pending(), pending(), resolvedTo(5)};
    CPPUNIT_ASSERT(cache.lookup("web", 80, 0, log).kind == ResolveKind::kPending);
    CPPUNIT_ASSERT(cache.lookup("web", 80, kSec, log).kind == ResolveKind::kPending);
    Resolution r = cache.lookup("web", 80, 2 * kSec, log);  // asked again on every lookup
    CPPUNIT_ASSERT_EQUAL(uint8_t(5), lastOctet(r));
    // The ttl counts from the answer, not from the first question.
    resolver.answers = {resolvedTo(6)};
    CPPUNIT_ASSERT_EQUAL(uint8_t(5), lastOctet(cache.lookup("web", 80, 31 * kSec, log)));
    CPPUNIT_ASSERT_EQUAL(uint8_t(6), lastOctet(cache.lookup("web", 80, 32 * kSec, log)));
  }
  void thePreviousAnswerStandsWhileTheNextIsPending() {
    ResolveCache cache(resolver);
    resolver.answers = {resolvedTo(1), pending(), pending(), resolvedTo(2)};
    cache.lookup("web", 80, 0, log);
    CPPUNIT_ASSERT_EQUAL(uint8_t(1), lastOctet(cache.lookup("web", 80, 30 * kSec, log)));
    CPPUNIT_ASSERT_EQUAL(uint8_t(1), lastOctet(cache.lookup("web", 80, 31 * kSec, log)));
    CPPUNIT_ASSERT_EQUAL(uint8_t(2), lastOctet(cache.lookup("web", 80, 32 * kSec, log)));
    CPPUNIT_ASSERT_EQUAL(size_t(4), resolver.asked.size());

    resolver.answers = {failed("cannot resolve api: no"), pending(),
                        failed("cannot resolve api: still no")};
    cache.lookup("api", 80, 0, log);
    Resolution r = cache.lookup("api", 80, 5 * kSec, log);  // the retry is pending: still failed
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve api: no"), r.error);
    CPPUNIT_ASSERT_EQUAL(size_t(1), logged.size());
    cache.lookup("api", 80, 6 * kSec, log);
    CPPUNIT_ASSERT_EQUAL(size_t(2), logged.size());  // logged when the answer came
  }
  void aFailureWithoutReasonGetsOne() {
    ResolveCache cache(resolver);
    resolver.answers = {failed("")};
    Resolution r = cache.lookup("web", 80, 0, log);
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve web"), r.error);
    CPPUNIT_ASSERT_EQUAL(std::string("cannot resolve web"), logged.at(0));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ResolveCacheTest, "health");
