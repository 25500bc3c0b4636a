#include "shared/lb/ewma.h"

#include "shared/lb/p2c.h"

namespace fleet::lb {
namespace {

double costOf(const Candidate& c, double neutral) {
  double latency = c.latencyMicros >= 0 ? c.latencyMicros : neutral;
  double load = static_cast<double>(c.inflight < 0 ? 0 : c.inflight) + 1.0;
  return latency * load / static_cast<double>(c.weight == 0 ? 1 : c.weight);
}

}  // namespace

bool cheaper(const Candidate& a, const Candidate& b, double neutral) {
  return costOf(a, neutral) < costOf(b, neutral);
}

Decision Ewma::pick(const Candidate* candidates, size_t n, PickContext& ctx) const {
  Decision d;
  if (n <= 1) {
    return d;
  }
  double sum = 0;
  size_t sampled = 0;
  for (size_t i = 0; i < n; ++i) {
    if (candidates[i].latencyMicros >= 0) {
      sum += candidates[i].latencyMicros;
      ++sampled;
    }
  }
  double neutral = sampled > 0 ? sum / static_cast<double>(sampled) : 1.0;
  uint64_t total = totalWeight(candidates, n);
  size_t first = drawFrom(candidates, n, n, total, ctx.rng);
  size_t second =
      drawFrom(candidates, n, first,
               total - (candidates[first].weight == 0 ? 1 : candidates[first].weight), ctx.rng);
  d.compared[0] = first;
  d.compared[1] = second;
  d.ncompared = 2;
  d.index = cheaper(candidates[second], candidates[first], neutral) ? second : first;
  return d;
}

}  // namespace fleet::lb
