#include "shared/lb/attempt.h"

#include "shared/lb/member_health.h"
#include "shared/lb/peak_ewma.h"

namespace fleet::lb {

Ejection Attempt::picked(MemberSlot* slot, const char* member, const LoadBalancer* previousMethod,
                         const AttemptEnv& env) {
  Ejection e;
  if (reserved_ && countsFor(member)) {  // the pick the reservation was made for
    reserved_ = false;
    sampled_ = false;
    sentAt_ = 0;
    return e;
  }
  if (slot_ != nullptr) {
    if (previousMethod != nullptr && !reserved_) {  // a reservation elsewhere failed nothing
      e = failedAttempt(env);
    }
    release();
  }
  sampled_ = false;
  sentAt_ = 0;
  countOn(slot, member);
  return e;
}

bool Attempt::reserve(MemberSlot* slot, const char* member) {
  if (countsFor(member)) {
    return true;
  }
  release();
  if (slot == nullptr) {
    return true;
  }
  countOn(slot, member);
  reserved_ = slot_ != nullptr;
  return reserved_;
}

Ejection Attempt::failedNow(const LoadBalancer* method, const AttemptEnv& env) {
  Ejection e;
  if (slot_ != nullptr && method != nullptr) {
    e = failedAttempt(env);
  }
  release();
  sampled_ = false;
  sentAt_ = 0;
  return e;
}

Sent Attempt::sent(MemberSlot* slot, const char* member, const LoadBalancer* method,
                   const AttemptEnv& env) {
  Sent out;
  if (!countsFor(member)) {
    if (slot_ != nullptr && method != nullptr) {
      out.ejection = failedAttempt(env);  // a failover outside the finder (e.g. sticky)
    }
    countOn(slot, member);
  }
  sampled_ = false;
  // The attempt's clock and the first-byte watch serve latency-aware methods only.
  if (method != nullptr && method->usesLatency()) {
    sentAt_ = env.clock.nowMicros();
    out.watchFirstByte = !watching_;
    watching_ = true;
  }
  return out;
}

void Attempt::firstByte(int status, const AttemptEnv& env) {
  bool failed = status >= 500 || status == 429;
  if (slot_ == nullptr || sampled_ || (sentAt_ == 0 && !failed)) {
    return;  // nothing to record: spare the clock
  }
  observeLatency(env.clock.nowMicros(), failed, settings(env.balancer));
}

Ejection Attempt::finished(int status, const LoadBalancer* method, const AttemptEnv& env) {
  Ejection e;
  if (slot_ == nullptr) {
    return e;
  }
  if (method != nullptr) {  // outcomes matter to our methods only
    bool failed = status >= 500;
    bool timed = method->usesLatency();
    if (timed || outcomeMatters(*slot_, failed)) {  // else nothing changes: spare the clock
      int64_t now = env.clock.nowMicros();
      const AttemptSettings& s = settings(env.balancer);
      if (timed) {
        observeLatency(now, failed || status == 429, s);  // if firstByte did not
      }
      e = recordAnswer(failed, now, s, env.balancer);
    }
  }
  release();
  return e;
}

void Attempt::countOn(MemberSlot* slot, const char* member) {
  if (slot == nullptr || slot == slot_) {
    return;
  }
  release();
  // Within the member's maxconn= limit, across every child: at the limit nothing is counted.
  if (!tryReserveSlot(*slot)) {
    return;
  }
  slot->requests.fetch_add(1, std::memory_order_relaxed);
  slot_ = slot;
  member_ = member;
}

// Once per attempt: time to the member's response headers, or, for an error answer or a failed
// attempt, at least the penalty.
void Attempt::observeLatency(int64_t now, bool failed, const AttemptSettings& s) {
  if (slot_ == nullptr || sampled_) {
    return;
  }
  double sample = attemptLatencyMicros(sentAt_, now, failed, s.penaltyMicros);
  if (sample < 0) {
    return;
  }
  PeakEwma::observe(slot_->latency, sample, now, s.ewmaTauMicros);
  sampled_ = true;
}

Ejection Attempt::recordAnswer(bool failed, int64_t now, const AttemptSettings& settings,
                               const BalancerView& balancer) {
  MemberSlot& s = *slot_;
  const HealthConfig& health = settings.health;
  size_t ejectedNow = 0;
  size_t members = 0;
  // Counting the ejected members costs the caller a scan: only when this answer may eject.
  if (mayEject(s, failed, health)) {
    members = balancer.members();
    ejectedNow = balancer.ejected(now);
  }
  Ejection e;
  if (recordOutcome(s, failed, now, health, ejectedNow, members)) {
    e.happened = true;
    e.member = member_;
    e.forMicros = s.ejectedUntil.load(std::memory_order_relaxed) - now;
    e.afterFailures = health.consecutiveFailures;
    e.ejections = s.ejections.load(std::memory_order_relaxed);
  }
  return e;
}

Ejection Attempt::failedAttempt(const AttemptEnv& env) {
  int64_t now = env.clock.nowMicros();
  const AttemptSettings& s = settings(env.balancer);
  observeLatency(now, true, s);
  return recordAnswer(true, now, s, env.balancer);
}

}  // namespace fleet::lb
