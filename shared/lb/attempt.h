// One request's attempts at balancer members: which member carries its in-flight count, the
// current attempt's clock, its latency sample and its outcome. One object per request, used only
// by the thread serving that request; the member slots it updates are shared atomics.
#pragma once

#include <cstdint>
#include <optional>

#include "shared/common/clock.h"
#include "shared/lb/balancer_view.h"
#include "shared/lb/load_balancer.h"
#include "shared/lb/member_table.h"

namespace fleet::lb {

// What a step needs from outside, read only when something is recorded.
struct AttemptEnv {
  const common::Clock& clock;
  const BalancerView& balancer;  // the balancer the request goes through
};

// A member an answer has just ejected, for the caller to log.
struct Ejection {
  bool happened = false;
  const char* member = nullptr;  // the name the member was counted under
  int64_t forMicros = 0;         // how long it stays out
  uint32_t afterFailures = 0;    // the streak that ejected it
  uint32_t ejections = 0;        // its recent ejections, this one included
};

// What sent() asks of the caller besides logging an ejection.
struct Sent {
  Ejection ejection;
  bool watchFirstByte = false;  // call firstByte() when the response headers arrive (asked once)
};

// Member names are compared by pointer: httpd hands the finder and BALANCER_WORKER_NAME the very
// same string, so recognising the counted member costs no hashing. `method` is the balancing
// method of the request's balancer, nullptr when it is not one of ours (nothing is then learnt
// from the answer, but the in-flight count is still kept).
class Attempt {
 public:
  Attempt() = default;
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;
  ~Attempt() { release(); }

  // The finder chose `member` (slot nullptr: the shared table had no room, nothing is counted).
  // The finder runs again for a request only when mod_proxy retries after a failed attempt, so a
  // member counted already failed it: recorded when `previousMethod` is ours, then released.
  Ejection picked(MemberSlot* slot, const char* member, const LoadBalancer* previousMethod,
                  const AttemptEnv& env);

  // Counts the request on `member` ahead of sending it, only if the member is below its maxconn=
  // limit (the slot's maxConn; 0 = none): false, and nothing counted, when it is at its limit. A
  // count held on another member is given back first (not recorded as a failure). The finder's
  // next pick of this member keeps the reservation. slot nullptr: nothing to count, true.
  bool reserve(MemberSlot* slot, const char* member);

  // The current attempt failed and the request goes to another member: the failure is recorded
  // (when `method` is ours) and the count given back.
  Ejection failedNow(const LoadBalancer* method, const AttemptEnv& env);

  // Whether the request is counted on `member` already (sent() would move nothing).
  bool countsFor(const char* member) const { return slot_ != nullptr && member_ == member; }

  // Just before the request goes to `member`, once per attempt: counts it there unless it is
  // already (sticky requests and failovers bypass the finder; a member counted before failed the
  // attempt) and starts the attempt's clock for latency-aware methods. `slot` is not read when
  // countsFor(member), so the caller may skip looking it up; nullptr keeps the count as it is.
  Sent sent(MemberSlot* slot, const char* member, const LoadBalancer* method,
            const AttemptEnv& env);

  // The member's response headers have arrived with `status`: the attempt's latency, if not
  // recorded yet (5xx and 429 count as at least the penalty).
  void firstByte(int status, const AttemptEnv& env);

  // The request is over with `status` (5xx = a failure for outlier ejection; 5xx and 429 for
  // latency): records the outcome on the counted member and releases the count.
  Ejection finished(int status, const LoadBalancer* method, const AttemptEnv& env);

  // Gives the in-flight count back; does nothing the second time.
  void release() {
    if (slot_ != nullptr) {
      slot_->inflight.fetch_sub(1, std::memory_order_relaxed);
      slot_ = nullptr;
      member_ = nullptr;
    }
    reserved_ = false;
  }

  // The balancer's settings for this request: read from it on first use only.
  const AttemptSettings& settings(const BalancerView& balancer) {
    if (!settings_) {
      settings_.emplace(balancer.settings());
    }
    return *settings_;
  }

  const MemberSlot* counted() const { return slot_; }
  // Counted by reserve() on member() and not picked or sent yet.
  bool reserved() const { return reserved_; }
  const char* member() const { return member_; }

 private:
  void countOn(MemberSlot* slot, const char* member);
  void observeLatency(int64_t nowMicros, bool failed, const AttemptSettings& s);
  Ejection recordAnswer(bool failed, int64_t nowMicros, const AttemptSettings& s,
                        const BalancerView& balancer);
  Ejection failedAttempt(const AttemptEnv& env);

  MemberSlot* slot_ = nullptr;    // the member whose in-flight count this request raised
  const char* member_ = nullptr;  // its name, as the caller gave it
  int64_t sentAt_ = 0;            // when the current attempt went out; 0 = not timed
  bool sampled_ = false;          // the current attempt's latency is recorded
  bool watching_ = false;         // the caller watches for the first byte
  bool reserved_ = false;         // counted by reserve(), not sent yet
  std::optional<AttemptSettings> settings_;
};

}  // namespace fleet::lb
