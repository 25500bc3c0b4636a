#include "shared/resilience/retry_loop.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <memory>

using namespace fleet::resilience;

namespace {
std::unique_ptr<BalancerState> zeroedState() {
  auto b = std::make_unique<BalancerState>();
  std::memset(static_cast<void*>(b.get()), 0, sizeof(BalancerState));
  return b;
}

AttemptEnd returned(int status, bool timedOut = false) {
  AttemptEnd e;
  e.status = status;
  e.timedOut = timedOut;
  return e;
}
}  // namespace

class RetryLoopTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RetryLoopTest);
  CPPUNIT_TEST(connectFailuresAndTimeoutsGoToAnotherMember);
  CPPUNIT_TEST(anAnswerIsNeverRetriedOnceBytesWent);
  CPPUNIT_TEST(configuredStatusesAreHeldBackAndRetried);
  CPPUNIT_TEST(retriesStopAtTheConfiguredNumber);
  CPPUNIT_TEST(nothingIsRetriedWithoutAnotherMemberOrReplay);
  CPPUNIT_TEST(theBudgetRefusesAndSaysSo);
  CPPUNIT_TEST(countsAreGivenBackOnce);
  CPPUNIT_TEST(errorsNameTheFailure);
  CPPUNIT_TEST_SUITE_END();

  RetryPolicy policy = parseRetry({"2", "503"}).value();
  BudgetConfig budget;
  std::unique_ptr<BalancerState> state = zeroedState();

 public:
  void connectFailuresAndTimeoutsGoToAnotherMember() {
    RetryLoop loop(&policy, budget, state.get(), true);
    CPPUNIT_ASSERT(loop.afterAttempt(returned(503), true) == RetryLoop::Next::kRetry);
    CPPUNIT_ASSERT(loop.afterAttempt(returned(504, true), true) == RetryLoop::Next::kRetry);
    CPPUNIT_ASSERT(loop.afterAttempt(returned(0), true) == RetryLoop::Next::kDone);
    CPPUNIT_ASSERT_EQUAL(3u, loop.attempts());
    CPPUNIT_ASSERT_EQUAL(2u, loop.retries());
    CPPUNIT_ASSERT(loop.error() == ProxyError::kNone);  // the member answered in the end
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), state->retries.load());
  }
  void anAnswerIsNeverRetriedOnceBytesWent() {
    RetryLoop loop(&policy, budget, state.get(), true);
    AttemptEnd broken = returned(504, true);
    broken.bytesSent = true;  // the member stalled in the middle of its body
    CPPUNIT_ASSERT(loop.afterAttempt(broken, true) == RetryLoop::Next::kDone);
    CPPUNIT_ASSERT_EQUAL(0u, loop.retries());
  }
  void configuredStatusesAreHeldBackAndRetried() {
    RetryLoop loop(&policy, budget, state.get(), true);
    CPPUNIT_ASSERT(!loop.holdBack(502, true));  // not one FleetRetry names
    CPPUNIT_ASSERT(loop.holdBack(503, true));
    CPPUNIT_ASSERT_EQUAL(int64_t(1), state->retriesActive.load());
    AttemptEnd held = returned(0);
    held.heldBack = true;
    CPPUNIT_ASSERT(loop.afterAttempt(held, true) == RetryLoop::Next::kRetry);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), state->retries.load());  // counted once
    CPPUNIT_ASSERT(loop.afterAttempt(returned(0), true) == RetryLoop::Next::kDone);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), state->retriesActive.load());
  }
  void retriesStopAtTheConfiguredNumber() {
    RetryLoop loop(&policy, budget, state.get(), true);
    CPPUNIT_ASSERT(loop.afterAttempt(returned(503), true) == RetryLoop::Next::kRetry);
    CPPUNIT_ASSERT(loop.afterAttempt(returned(503), true) == RetryLoop::Next::kRetry);
    CPPUNIT_ASSERT(!loop.holdBack(503, true));  // the third attempt's answer goes out
    CPPUNIT_ASSERT(loop.afterAttempt(returned(503), true) == RetryLoop::Next::kDone);
    CPPUNIT_ASSERT(loop.error() == ProxyError::kConnectionRefused);
    CPPUNIT_ASSERT_EQUAL(std::string("3 attempts"), loop.details());
  }
  void nothingIsRetriedWithoutAnotherMemberOrReplay() {
    RetryLoop last(&policy, budget, state.get(), true);
    CPPUNIT_ASSERT(last.afterAttempt(returned(503), false) == RetryLoop::Next::kDone);
    CPPUNIT_ASSERT(!last.holdBack(503, false));
    RetryLoop post(&policy, budget, state.get(), false);  // a POST, or a body
    CPPUNIT_ASSERT(post.afterAttempt(returned(503), true) == RetryLoop::Next::kDone);
    RetryLoop off(nullptr, budget, state.get(), true);  // FleetRetry not set
    CPPUNIT_ASSERT(off.afterAttempt(returned(504, true), true) == RetryLoop::Next::kDone);
    CPPUNIT_ASSERT(off.error() == ProxyError::kResponseTimeout);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), state->retries.load());
  }
  void theBudgetRefusesAndSaysSo() {
    budget = BudgetConfig{20, 1};  // 20 % of two requests: none; one in flight by the floor
    RetryLoop first(&policy, budget, state.get(), true);
    RetryLoop second(&policy, budget, state.get(), true);
    CPPUNIT_ASSERT(first.afterAttempt(returned(503), true) == RetryLoop::Next::kRetry);
    CPPUNIT_ASSERT(second.afterAttempt(returned(503), true) == RetryLoop::Next::kDone);
    CPPUNIT_ASSERT(second.budgetRefused());
    CPPUNIT_ASSERT_EQUAL(std::string("1 attempt; retry budget exhausted"), second.details());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), state->budgetRefusals.load());
  }
  void countsAreGivenBackOnce() {
    {
      RetryLoop loop(&policy, budget, state.get(), true);
      CPPUNIT_ASSERT_EQUAL(int64_t(1), state->active.load());
      CPPUNIT_ASSERT(loop.afterAttempt(returned(503), true) == RetryLoop::Next::kRetry);
      CPPUNIT_ASSERT_EQUAL(int64_t(1), state->retriesActive.load());
      loop.finish();  // the request ends while its retry is on the way
      CPPUNIT_ASSERT_EQUAL(int64_t(0), state->active.load());
      CPPUNIT_ASSERT_EQUAL(int64_t(0), state->retriesActive.load());
    }  // and the destructor changes nothing more
    CPPUNIT_ASSERT_EQUAL(int64_t(0), state->active.load());
    RetryLoop unshared(&policy, budget, nullptr, true);  // no shared state: no budget to spend
    CPPUNIT_ASSERT(unshared.afterAttempt(returned(503), true) == RetryLoop::Next::kRetry);
  }
  void errorsNameTheFailure() {
    CPPUNIT_ASSERT(errorOf(returned(503)) == ProxyError::kConnectionRefused);
    CPPUNIT_ASSERT(errorOf(returned(502)) == ProxyError::kConnectionTerminated);
    CPPUNIT_ASSERT(errorOf(returned(504)) == ProxyError::kResponseTimeout);
    CPPUNIT_ASSERT(errorOf(returned(502, true)) == ProxyError::kResponseTimeout);
    CPPUNIT_ASSERT(errorOf(returned(0)) == ProxyError::kNone);
    CPPUNIT_ASSERT(errorOf(returned(500)) == ProxyError::kNone);
    RetryLoop loop(&policy, budget, state.get(), true);
    loop.fail(ProxyError::kConnectionLimit);
    CPPUNIT_ASSERT(loop.error() == ProxyError::kConnectionLimit);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RetryLoopTest, "resilience");
