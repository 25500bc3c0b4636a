#include "shared/lb/candidates.h"

#include <new>

#include "shared/lb/peak_ewma.h"

namespace fleet::lb {

Prepared prepareCandidates(const MemberInput* in, size_t count, const CandidateSettings& s,
                           int64_t now, Candidate* out, size_t* kept, uint32_t* baseWeights) {
  // One pass writes every member; only when some are ejected (rare) is a second pass needed, to
  // drop them unless too few are left (panic).
  Prepared p;
  size_t ejected = 0;
  for (size_t i = 0; i < count; ++i) {
    const MemberSlot* slot = in[i].slot;
    Candidate& c = *new (&out[i]) Candidate();
    baseWeights[i] = in[i].lbfactor > 0 ? in[i].lbfactor : 1;
    c.weight = baseWeights[i];
    kept[i] = i;
    if (slot == nullptr) {
      c.id = in[i].fallbackId;
      continue;
    }
    c.inflight = slot->inflight.load(std::memory_order_relaxed);
    c.id = slot->key.load(std::memory_order_relaxed);
    int64_t ramp = slowStartRamp(*slot, s.health.slowStartMicros);
    if (ramp > 0) {
      c.weight =
          slowStartWeight(c.weight, now, slot->usableSince.load(std::memory_order_relaxed), ramp);
    }
    if (s.wantLatency) {
      c.latencyMicros =
          PeakEwma::read(slot->latency.load(std::memory_order_relaxed), now, s.ewmaTauMicros);
    }
    ejected += isEjected(*slot, now) ? 1 : 0;
  }
  p.n = count;
  if (ejected == 0) {
    return p;
  }
  p.panic = inPanic(count - ejected, count, s.health.panicPercent);
  if (p.panic) {
    return p;
  }
  size_t n = 0;
  for (size_t i = 0; i < count; ++i) {
    if (in[i].slot != nullptr && isEjected(*in[i].slot, now)) {
      continue;
    }
    out[n] = out[i];
    baseWeights[n] = baseWeights[i];
    kept[n] = i;
    ++n;
  }
  p.n = n;
  p.ejectedSkipped = count - n;
  return p;
}

}  // namespace fleet::lb
