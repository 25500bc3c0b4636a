// What one finished check does to a member: rise/fall on its counts, the HC-fail flag, a member in
// error that passes becomes usable at once, slow start counted from a recovery, and the health
// record. Checker thread only (the lease holder); an hcexpr has already decided `passed`.
#pragma once

#include <cstdint>

#include "shared/health/member_state.h"
#include "shared/health/probe_engine.h"
#include "shared/health/threshold.h"

namespace fleet::health {

struct MemberUpdate {
  Transition transition = Transition::kNone;
  bool failing = false;   // the verdict after this result
  bool changing = false;  // a pass or fail count is under way: check at the faster interval
  Threshold threshold;    // the hcpasses and hcfails applied, for the log line
};

// `nowMicros` is the monotonic clock (slow start), `wallNowMicros` unix time (the record).
MemberUpdate applyCheckResult(MemberState& member, const ProbeResult& result, int64_t nowMicros,
                              int64_t wallNowMicros);

}  // namespace fleet::health
