#include "shared/lb/candidates.h"

#include <new>

#include "shared/lb/peak_ewma.h"

namespace fleet::lb {

Prepared prepareCandidates(const MemberInput* in, size_t count, const CandidateSettings& s,
                           int64_t now, Candidate* out, size_t* kept, uint32_t* baseWeights) {
  Prepared p;
  size_t healthy = 0;
  for (size_t i = 0; i < count; ++i) {
    healthy += (in[i].slot == nullptr || !isEjected(*in[i].slot, now)) ? 1 : 0;
  }
  p.panic = inPanic(healthy, count, s.health.panicPercent);
  for (size_t i = 0; i < count; ++i) {
    const MemberSlot* slot = in[i].slot;
    if (!p.panic && slot != nullptr && isEjected(*slot, now)) {
      ++p.ejectedSkipped;
      continue;
    }
    Candidate& c = *new (&out[p.n]) Candidate();
    baseWeights[p.n] = in[i].lbfactor > 0 ? in[i].lbfactor : 1;
    c.weight = baseWeights[p.n];
    if (slot != nullptr) {
      c.inflight = slot->inflight.load(std::memory_order_relaxed);
      c.id = slot->key.load(std::memory_order_relaxed);
      if (s.health.slowStartMicros > 0) {
        c.weight = slowStartWeight(c.weight, now, slot->usableSince.load(std::memory_order_relaxed),
                                   s.health.slowStartMicros);
      }
      if (s.wantLatency) {
        c.latencyMicros = PeakEwma::read(slot->latency.load(std::memory_order_relaxed), now,
                                         s.ewmaTauMicros);
      }
    } else {
      c.id = in[i].fallbackId;
    }
    kept[p.n++] = i;
  }
  return p;
}

}  // namespace fleet::lb
