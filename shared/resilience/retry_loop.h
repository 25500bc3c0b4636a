// One request's attempts at a balancer's members under FleetRetry and FleetRetryBudget: whether
// a failed attempt goes to another member, whether a member's answer is held back for that (a
// status FleetRetry names, before any byte of it reaches the client), the retry budget shared by
// every child, and what the final answer's Proxy-Status says. One object per request, used by the
// thread serving it; the balancer state it counts in is shared.
#pragma once

#include <cstdint>
#include <string>

#include "shared/resilience/balancer_state.h"
#include "shared/resilience/proxy_status.h"
#include "shared/resilience/retry_policy.h"

namespace fleet::resilience {

// How an attempt at a member ended, as the glue saw it.
struct AttemptEnd {
  int status = 0;          // what the scheme handler returned (0 = OK: it answered)
  bool timedOut = false;   // the member did not answer within its timeout (trytimeout=)
  bool bytesSent = false;  // some of the answer went on to the client: never retried
  bool heldBack = false;   // the answer was held back for a retry (holdBack said yes)
};

class RetryLoop {
 public:
  // policy nullptr: FleetRetry off (the loop still counts the request and names failures).
  // state nullptr: no shared state (the budget then allows every retry).
  RetryLoop(const RetryPolicy* policy, const BudgetConfig& budget, BalancerState* state,
            bool replayable);
  ~RetryLoop() { finish(); }
  RetryLoop(const RetryLoop&) = delete;
  RetryLoop& operator=(const RetryLoop&) = delete;

  // The member's answer begins with `status`: true when it is to be held back (dropped) and the
  // request sent to another member; the retry is then counted in the budget already.
  // otherMemberLeft: a usable member not tried yet exists.
  bool holdBack(int status, bool otherMemberLeft);

  enum class Next { kDone, kRetry };
  // An attempt ended: kRetry sends the request to another member (counted in the budget).
  Next afterAttempt(const AttemptEnd& end, bool otherMemberLeft);

  // The request ends: gives back its counts (also done by the destructor; once).
  void finish();

  // mod_fleet made the final answer for a reason of its own (no member, the queue).
  void fail(ProxyError e) { error_ = e; }
  // What the final answer's Proxy-Status says: kNone when the answer is the member's own.
  ProxyError error() const { return error_; }
  std::string details() const;
  uint32_t attempts() const { return attempts_; }
  uint32_t retries() const { return retries_; }
  bool budgetRefused() const { return budgetRefused_; }

 private:
  bool startRetry(Failure f, bool otherMemberLeft);
  void retryDone();

  const RetryPolicy* policy_;
  BudgetConfig budget_;
  BalancerState* state_;
  bool replayable_;
  uint32_t attempts_ = 1;     // the one in progress counts
  uint32_t retries_ = 0;      // retries started
  bool retryActive_ = false;  // a retry counts in the budget's in-flight retries
  bool heldBack_ = false;     // holdBack started the next retry already
  bool budgetRefused_ = false;
  bool finished_ = false;
  ProxyError error_ = ProxyError::kNone;
};

// The Proxy-Status error of an attempt that failed this way.
ProxyError errorOf(const AttemptEnd& end);

}  // namespace fleet::resilience
