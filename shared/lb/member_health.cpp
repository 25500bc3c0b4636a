#include "shared/lb/member_health.h"

#include <algorithm>

namespace fleet::lb {

bool isEjected(const MemberSlot& s, int64_t nowMicros) {
  return nowMicros < s.ejectedUntil.load(std::memory_order_relaxed);
}

int64_t ejectionMicros(uint32_t ejections, const HealthConfig& cfg) {
  int64_t d = cfg.baseEjectionMicros;
  for (uint32_t i = 1; i < ejections && d < cfg.maxEjectionMicros; ++i) {
    d *= 2;
  }
  return std::min(d, cfg.maxEjectionMicros);
}

bool recordOutcome(MemberSlot& s, bool failed, int64_t nowMicros, const HealthConfig& cfg,
                   size_t ejectedNow, size_t members) {
  if (!failed) {
    // Read before writing: the line is shared by every process, a needless store costs them all.
    if (s.consecutiveFailures.load(std::memory_order_relaxed) != 0) {
      s.consecutiveFailures.store(0, std::memory_order_relaxed);
    }
    // A member healthy for a base period since its last ejection (or last forgiveness) earns one
    // ejection back, so a rare failure streak does not keep doubling the next ejection.
    int64_t until = s.ejectedUntil.load(std::memory_order_relaxed);
    uint32_t k = s.ejections.load(std::memory_order_relaxed);
    if (k > 0 && nowMicros >= until + cfg.baseEjectionMicros &&
        s.ejectedUntil.compare_exchange_strong(until, nowMicros, std::memory_order_relaxed)) {
      s.ejections.fetch_sub(1, std::memory_order_relaxed);
    }
    return false;
  }
  s.failures.fetch_add(1, std::memory_order_relaxed);
  uint32_t streak = s.consecutiveFailures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (cfg.consecutiveFailures == 0 || streak < cfg.consecutiveFailures || isEjected(s, nowMicros)) {
    return false;
  }
  size_t cap = std::max<size_t>(1, members * cfg.maxEjectedPercent / 100);
  if (ejectedNow >= cap) {
    return false;
  }
  int64_t until = s.ejectedUntil.load(std::memory_order_relaxed);
  if (nowMicros < until) {
    return false;
  }
  uint32_t k = s.ejections.load(std::memory_order_relaxed) + 1;
  if (!s.ejectedUntil.compare_exchange_strong(until, nowMicros + ejectionMicros(k, cfg),
                                              std::memory_order_relaxed)) {
    return false;  // another thread ejected it first
  }
  s.ejections.store(k, std::memory_order_relaxed);
  s.consecutiveFailures.store(0, std::memory_order_relaxed);
  return true;
}

bool mayEject(const MemberSlot& s, bool failed, const HealthConfig& cfg) {
  return failed && cfg.consecutiveFailures > 0 &&
         s.consecutiveFailures.load(std::memory_order_relaxed) + 1 >= cfg.consecutiveFailures;
}

bool outcomeMatters(const MemberSlot& s, bool failed) {
  return failed || s.consecutiveFailures.load(std::memory_order_relaxed) != 0 ||
         s.ejections.load(std::memory_order_relaxed) != 0;
}

uint32_t slowStartWeight(uint32_t weight, int64_t nowMicros, int64_t since,
                         int64_t durationMicros) {
  if (durationMicros <= 0 || since <= 0 || nowMicros - since >= durationMicros) {
    return weight;
  }
  double elapsed = nowMicros > since ? static_cast<double>(nowMicros - since) : 0.0;
  double share = kSlowStartFloor + (1.0 - kSlowStartFloor) * elapsed / durationMicros;
  uint32_t w = static_cast<uint32_t>(weight * share);
  return w == 0 ? 1 : w;
}

int64_t slowStartRamp(const MemberSlot& s, int64_t balancerMicros) {
  int64_t own = s.slowStartMicros.load(std::memory_order_relaxed);
  return own != 0 ? own : balancerMicros;
}

int slowStartPercent(const MemberSlot& s, int64_t balancerMicros, bool usable, int64_t nowMicros) {
  int64_t ramp = slowStartRamp(s, balancerMicros);
  int64_t since = s.usableSince.load(std::memory_order_relaxed);
  if (ramp <= 0 || !usable || since <= 0 || nowMicros - since >= ramp) {
    return -1;
  }
  return static_cast<int>(slowStartWeight(1000, nowMicros, since, ramp) / 10);
}

void resetEjection(MemberSlot& s) {
  s.ejectedUntil.store(0, std::memory_order_relaxed);
  s.consecutiveFailures.store(0, std::memory_order_relaxed);
  s.ejections.store(0, std::memory_order_relaxed);
}

int64_t trackUsable(MemberSlot& s, bool usable, int64_t nowMicros) {
  if (!usable) {
    s.wasUsable.store(0, std::memory_order_relaxed);
    return 0;
  }
  uint32_t was = 0;
  if (s.wasUsable.compare_exchange_strong(was, 1, std::memory_order_relaxed)) {
    s.usableSince.store(nowMicros, std::memory_order_relaxed);
    return nowMicros;
  }
  return s.usableSince.load(std::memory_order_relaxed);
}

bool inPanic(size_t healthy, size_t members, uint32_t panicPercent) {
  return healthy == 0 || healthy * 100 < static_cast<size_t>(panicPercent) * members;
}

}  // namespace fleet::lb
