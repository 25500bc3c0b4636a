#include "shared/resilience/retry_loop.h"

namespace fleet::resilience {
namespace {

constexpr int kOk = 0;
constexpr int kBadGateway = 502, kServiceUnavailable = 503, kGatewayTimeout = 504;

Failure failureOf(const AttemptEnd& end) {
  if (end.heldBack) {
    return Failure::kStatus;
  }
  if (end.bytesSent || end.status == kOk) {
    return Failure::kNone;
  }
  if (end.timedOut || end.status == kGatewayTimeout) {
    return Failure::kTimeout;
  }
  if (end.status == kServiceUnavailable || end.status == kBadGateway) {
    return Failure::kConnect;
  }
  return Failure::kNone;
}

}  // namespace

ProxyError errorOf(const AttemptEnd& end) {
  switch (failureOf(end)) {
    case Failure::kTimeout:
      return ProxyError::kResponseTimeout;
    case Failure::kConnect:
      return end.status == kBadGateway ? ProxyError::kConnectionTerminated
                                       : ProxyError::kConnectionRefused;
    default:
      return ProxyError::kNone;
  }
}

RetryLoop::RetryLoop(const RetryPolicy* policy, const BudgetConfig& budget, BalancerState* state,
                     bool replayable)
    : policy_(policy),
      budget_(budget),
      state_(state),
      replayable_(replayable && policy != nullptr) {
  if (state_ != nullptr) {
    requestStarted(*state_);
  }
}

void RetryLoop::retryDone() {
  if (retryActive_) {
    retryActive_ = false;
    if (state_ != nullptr) {
      retryEnded(*state_);
    }
  }
}

bool RetryLoop::startRetry(Failure f, bool otherMemberLeft) {
  if (policy_ == nullptr || !replayable_ || !otherMemberLeft || !mayRetry(f, attempts_, *policy_)) {
    return false;
  }
  if (state_ != nullptr && !tryRetry(*state_, budget_)) {
    budgetRefused_ = true;
    return false;
  }
  retryActive_ = true;
  ++retries_;
  return true;
}

bool RetryLoop::holdBack(int status, bool otherMemberLeft) {
  if (heldBack_ || policy_ == nullptr || status < 0 || status >= 600 ||
      !policy_->statuses[static_cast<size_t>(status)]) {
    return false;
  }
  retryDone();  // the attempt that just answered was this retry
  heldBack_ = startRetry(Failure::kStatus, otherMemberLeft);
  return heldBack_;
}

RetryLoop::Next RetryLoop::afterAttempt(const AttemptEnd& end, bool otherMemberLeft) {
  if (end.heldBack && heldBack_) {  // holdBack counted the retry already
    heldBack_ = false;
    error_ = ProxyError::kNone;
    ++attempts_;
    return Next::kRetry;
  }
  heldBack_ = false;
  retryDone();
  Failure f = failureOf(end);
  error_ = errorOf(end);
  if (f == Failure::kNone || !startRetry(f, otherMemberLeft)) {
    return Next::kDone;
  }
  ++attempts_;
  return Next::kRetry;
}

void RetryLoop::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  retryDone();
  if (state_ != nullptr) {
    requestEnded(*state_);
  }
}

std::string RetryLoop::details() const {
  std::string d = std::to_string(attempts_) + (attempts_ == 1 ? " attempt" : " attempts");
  if (budgetRefused_) {
    d += "; retry budget exhausted";
  }
  return d;
}

}  // namespace fleet::resilience
