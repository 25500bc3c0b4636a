// Turns the members httpd offers into what a balancing method chooses from: ejected members are
// left out (unless in panic), so are members at their maxconn= limit (unless all are) and latency
// outliers (FleetLatencyOutlier); weights ramp during slow start, latency estimates are read for
// the methods that use them. Called by the finder on every balanced request; no allocation.
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

// FleetLatencyOutlier: a member whose latency estimate is above `factor` x the median of the
// other members' gets no requests but a probe share (probePpm per million requests, to notice its
// recovery; its estimate also decays while it rests), unless leaving it out would put the balancer
// below the panic threshold.
struct LatencyOutlier {
  double factor = 0;        // 0 = off
  uint32_t probePpm = 500;  // 0.05 %
};

struct CandidateSettings {
  HealthConfig health;
  int64_t ewmaTauMicros = 10000000;
  bool wantLatency = false;
  LatencyOutlier outlier;    // applies when wantLatency
  bool memberLimits = true;  // some member may have maxconn= (false spares the scan)
  uint32_t probeDraw = 0;    // a uniform draw in [0, 1000000) for the outliers' probe share
};

struct Prepared {
  size_t n = 0;               // candidates written
  bool panic = false;         // ejections ignored: too few healthy members
  size_t ejectedSkipped = 0;  // members left out as ejected
  size_t atLimitSkipped = 0;  // members left out at their maxconn= limit
  bool allAtLimit = false;    // every candidate is at its limit (kept: the request will queue)
  size_t slowSkipped = 0;     // latency outliers left out
  bool probe = false;         // this request probes the latency outliers (only they are kept)
};

// Writes the candidates to out[0..n), the index in `in` of each to kept[0..n), and the weight
// before slow start to baseWeights[0..n) (consistent hashing builds its table on those).
Prepared prepareCandidates(const MemberInput* in, size_t count, const CandidateSettings& s,
                           int64_t nowMicros, Candidate* out, size_t* kept, uint32_t* baseWeights);

}  // namespace fleet::lb
