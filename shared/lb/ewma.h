// Latency-aware balancing, peak-EWMA style (Finagle, linkerd): cost = latency estimate x
// (in-flight + 1) / weight, compared between two members drawn by weight. A member with no
// sample yet is given the mean estimate of those that have one, so it is neither flooded nor
// starved.
#pragma once

#include "shared/lb/load_balancer.h"

namespace fleet::lb {

class Ewma : public LoadBalancer {
 public:
  static constexpr const char* kName = "ewma";
  const char* name() const override { return kName; }
  bool usesLatency() const override { return true; }
  Decision pick(const Candidate* candidates, size_t n, PickContext& ctx) const override;
};

// cost(a) < cost(b), with `neutral` standing in for a missing latency sample.
bool cheaper(const Candidate& a, const Candidate& b, double neutral);

}  // namespace fleet::lb
