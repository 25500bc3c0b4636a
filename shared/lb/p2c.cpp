#include "shared/lb/p2c.h"

namespace fleet::lb {
namespace {

uint64_t weightOf(const Candidate& c) { return c.weight == 0 ? 1 : c.weight; }

uint64_t loadOf(const Candidate& c) {
  return static_cast<uint64_t>(c.inflight < 0 ? 0 : c.inflight) + 1;
}

}  // namespace

uint64_t totalWeight(const Candidate* candidates, size_t n) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    total += weightOf(candidates[i]);
  }
  return total;
}

size_t weightedDraw(const Candidate* candidates, size_t n, size_t exclude, common::Random& rng) {
  uint64_t total = totalWeight(candidates, n) - (exclude < n ? weightOf(candidates[exclude]) : 0);
  return drawFrom(candidates, n, exclude, total, rng);
}

size_t drawFrom(const Candidate* candidates, size_t n, size_t exclude, uint64_t total,
                common::Random& rng) {
  uint64_t r = rng.below(total);
  for (size_t i = 0; i < n; ++i) {
    if (i == exclude) {
      continue;
    }
    uint64_t w = weightOf(candidates[i]);
    if (r < w) {
      return i;
    }
    r -= w;
  }
  return exclude == n - 1 ? n - 2 : n - 1;  // unreachable with a correct Random
}

bool lessLoaded(const Candidate& a, const Candidate& b) {
  // (la / wa) < (lb / wb)  <=>  la * wb < lb * wa; loads and weights are far below 2^32.
  return loadOf(a) * weightOf(b) < loadOf(b) * weightOf(a);
}

Decision PowerOfTwo::pick(const Candidate* candidates, size_t n, PickContext& ctx) const {
  common::Random& rng = ctx.rng;
  Decision d;
  if (n <= 1) {
    d.index = 0;
    return d;
  }
  uint64_t total = totalWeight(candidates, n);
  size_t first = drawFrom(candidates, n, n, total, rng);
  size_t second = drawFrom(candidates, n, first, total - weightOf(candidates[first]), rng);
  d.compared[0] = first;
  d.compared[1] = second;
  d.ncompared = 2;
  // On a tie the first draw wins: it was itself drawn at random by weight.
  d.index = lessLoaded(candidates[second], candidates[first]) ? second : first;
  return d;
}

}  // namespace fleet::lb
