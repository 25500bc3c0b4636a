#include "shared/health/member_update.h"

#include "shared/health/record.h"
#include "shared/lb/member_health.h"

namespace fleet::health {
namespace {

uint32_t atLeastOne(int n) { return n > 0 ? static_cast<uint32_t>(n) : 1; }
uint32_t notNegative(int n) { return n > 0 ? static_cast<uint32_t>(n) : 0; }

}  // namespace

MemberUpdate applyCheckResult(MemberState& m, const ProbeResult& result, int64_t nowMicros,
                              int64_t wallNowMicros) {
  MemberUpdate u;
  u.threshold.passes = atLeastOne(m.passesNeeded());
  u.threshold.fails = atLeastOne(m.failsNeeded());
  u.failing = m.hcFailed();
  uint32_t pcount = notNegative(m.passCount());
  uint32_t fcount = notNegative(m.failCount());
  u.transition = u.threshold.record(result.passed, &u.failing, &pcount, &fcount);
  m.setCounts(static_cast<int>(pcount), static_cast<int>(fcount));
  if (u.transition == Transition::kFailed) {
    m.setHcFailed();
  } else if (u.transition == Transition::kRecovered) {
    m.clearHcFailedAndInError();
  } else if (result.passed && !u.failing && m.inError()) {
    // A member in error from a failed request answers checks again: usable at once rather than
    // after its retry= time, as mod_proxy_hcheck does since 2.4.55.
    m.clearInError();
  }
  bool transitioned = u.transition != Transition::kNone;
  if (lb::MemberSlot* slot = m.slot()) {
    if (transitioned) {
      // Slow start counts from the recovery itself, whether or not requests saw the member down.
      lb::trackUsable(*slot, u.transition == Transition::kRecovered, nowMicros);
    }
    recordCheck(slot->health, result, u.failing, transitioned, wallNowMicros);
  }
  u.changing = pcount > 0 || fcount > 0;
  return u;
}

}  // namespace fleet::health
