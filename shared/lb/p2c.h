// Weighted power of two random choices on outstanding requests (Mitzenmacher; Envoy's
// LEAST_REQUEST with choice_count 2): two distinct members drawn with probability proportional
// to weight, the one with less load per unit of weight wins.
#pragma once

#include "shared/lb/load_balancer.h"

namespace fleet::lb {

class PowerOfTwo : public LoadBalancer {
 public:
  static constexpr const char* kName = "p2c";
  const char* name() const override { return kName; }
  Decision pick(const Candidate* candidates, size_t n, PickContext& ctx) const override;
};

// Draws one index with probability weight/total, skipping `exclude` (pass n to exclude none).
size_t weightedDraw(const Candidate* candidates, size_t n, size_t exclude, common::Random& rng);
// The same when the caller already knows the total weight of the candidates other than `exclude`.
size_t drawFrom(const Candidate* candidates, size_t n, size_t exclude, uint64_t total,
                common::Random& rng);
// The sum of the candidates' weights (a weight of 0 counts as 1).
uint64_t totalWeight(const Candidate* candidates, size_t n);

// True when a carries strictly less load per unit of weight than b: (inflight+1)/weight, compared
// by cross-multiplication so no division or floating point is needed.
bool lessLoaded(const Candidate& a, const Candidate& b);

}  // namespace fleet::lb
