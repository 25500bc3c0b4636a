// Turns the members httpd offers into what a balancing method chooses from: ejected members are
// left out (unless in panic), weights ramp during slow start, latency estimates are read for the
// methods that use them. Called by the finder on every balanced request; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "shared/lb/load_balancer.h"
#include "shared/lb/member_health.h"

namespace fleet::lb {

struct MemberInput {
  MemberSlot* slot = nullptr;  // nullptr when the shared table had no room for the member
  uint32_t lbfactor = 100;
  uint64_t fallbackId = 0;  // identity to use when there is no slot
};

struct CandidateSettings {
  HealthConfig health;
  int64_t ewmaTauMicros = 10000000;
  bool wantLatency = false;
};

struct Prepared {
  size_t n = 0;               // candidates written
  bool panic = false;         // ejections ignored: too few healthy members
  size_t ejectedSkipped = 0;  // members left out as ejected
};

// Writes the candidates to out[0..n), the index in `in` of each to kept[0..n), and the weight
// before slow start to baseWeights[0..n) (consistent hashing builds its table on those).
Prepared prepareCandidates(const MemberInput* in, size_t count, const CandidateSettings& s,
                           int64_t nowMicros, Candidate* out, size_t* kept, uint32_t* baseWeights);

}  // namespace fleet::lb
