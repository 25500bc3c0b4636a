// What a member's recent answers say about it, shared by every balancing method: passive outlier
// ejection (Envoy's consecutive-5xx detector with growing ejection times and a cap on how many
// members may be out), slow start after a member comes back, and the panic threshold. All state
// is in MemberSlot atomics, so any thread of any process may call these.
#pragma once

#include <cstddef>
#include <cstdint>

#include "shared/lb/member_table.h"

namespace fleet::lb {

struct HealthConfig {
  uint32_t consecutiveFailures = 5;       // FleetOutlierConsecutive; 0 = never eject
  int64_t baseEjectionMicros = 30000000;  // FleetOutlierBaseTime
  int64_t maxEjectionMicros = 300000000;  // FleetOutlierMaxTime
  uint32_t maxEjectedPercent = 10;        // FleetOutlierMaxPercent (at least one member)
  int64_t slowStartMicros = 0;            // FleetSlowStart; 0 = off
  uint32_t panicPercent = 50;             // FleetPanicThreshold
};

// Slow start begins at this share of the member's weight.
constexpr double kSlowStartFloor = 0.1;

bool isEjected(const MemberSlot& s, int64_t nowMicros);

// How long the k-th consecutive ejection lasts: base x 2^(k-1), at most max.
int64_t ejectionMicros(uint32_t ejections, const HealthConfig& cfg);

// Records one answer of the member. `ejectedNow` of `members` members of its balancer are ejected
// at this moment. Returns true when this answer ejected the member.
bool recordOutcome(MemberSlot& s, bool failed, int64_t nowMicros, const HealthConfig& cfg,
                   size_t ejectedNow, size_t members);

// Whether this answer could eject the member: it failed and completes a streak of failures. Only
// then is it worth counting how many members are ejected already (a scan of the balancer).
bool mayEject(const MemberSlot& s, bool failed, const HealthConfig& cfg);

// Whether recordOutcome would change anything: a plain success of a member with no failure
// streak and no ejection to forgive changes nothing (so its caller may skip the clock too).
bool outcomeMatters(const MemberSlot& s, bool failed);

// The weight to balance with while the member ramps up after becoming usable at `since`.
uint32_t slowStartWeight(uint32_t weight, int64_t nowMicros, int64_t since, int64_t durationMicros);

// The slow-start ramp that applies to a member: its own slowstart= when set (negative = off for
// this member), else its balancer's FleetSlowStart. 0 or less: no ramp.
int64_t slowStartRamp(const MemberSlot& s, int64_t balancerMicros);

// The member's effective weight while it ramps, as a percent of its full weight; -1 when it is
// not ramping (no ramp configured, not usable, or ramped up already).
int slowStartPercent(const MemberSlot& s, int64_t balancerMicros, bool usable, int64_t nowMicros);

// Forgives the member: no ejection in force, no failure streak, the next ejection the shortest
// (the status page's "reset ejection").
void resetEjection(MemberSlot& s);

// Tells the slot whether the member is usable now; returns the moment it became usable (0 = it
// has been usable since before mod_fleet started watching, so no slow start).
int64_t trackUsable(MemberSlot& s, bool usable, int64_t nowMicros);

// Panic: fewer than panicPercent of the members are healthy, so balance over all of them.
bool inPanic(size_t healthy, size_t members, uint32_t panicPercent);

}  // namespace fleet::lb
