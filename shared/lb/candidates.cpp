#include "shared/lb/candidates.h"

#include <algorithm>
#include <new>

#include "shared/lb/peak_ewma.h"

namespace fleet::lb {

namespace {

// The candidates with keep(i) true, moved to the front (with their base weight and input index).
template <typename Keep>
size_t compact(size_t n, Candidate* out, size_t* kept, uint32_t* baseWeights, Keep keep) {
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!keep(i)) {
      continue;
    }
    out[m] = out[i];
    baseWeights[m] = baseWeights[i];
    kept[m] = kept[i];
    ++m;
  }
  return m;
}

bool atLimit(const MemberSlot* slot) {
  if (slot == nullptr) {
    return false;
  }
  int64_t limit = slot->maxConn.load(std::memory_order_relaxed);
  return limit > 0 && slot->inflight.load(std::memory_order_relaxed) >= limit;
}

// The most candidates whose latencies are compared; larger balancers skip outlier detection.
constexpr size_t kMaxOutlierScan = 64;

// Marks outlier[i] for the candidates slower than factor x the median of the others' estimates;
// returns how many.
size_t findOutliers(const Candidate* c, size_t n, double factor, bool* outlier) {
  double sorted[kMaxOutlierScan];
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (c[i].latencyMicros >= 0) {
      sorted[m++] = c[i].latencyMicros;
    }
  }
  if (m < 2) {
    return 0;
  }
  std::sort(sorted, sorted + m);
  size_t found = 0;
  for (size_t i = 0; i < n; ++i) {
    outlier[i] = false;
    double x = c[i].latencyMicros;
    if (x < 0) {
      continue;
    }
    // The median of the others: the sorted values without one copy of x.
    size_t p = static_cast<size_t>(std::lower_bound(sorted, sorted + m, x) - sorted);
    auto other = [&](size_t k) { return sorted[k < p ? k : k + 1]; };
    size_t k = m - 1;
    double median = k % 2 == 1 ? other(k / 2) : (other(k / 2 - 1) + other(k / 2)) / 2;
    if (x > factor * median) {
      outlier[i] = true;
      ++found;
    }
  }
  return found;
}

}  // namespace

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
  if (ejected > 0) {
    p.panic = inPanic(count - ejected, count, s.health.panicPercent);
    if (!p.panic) {
      p.n = compact(p.n, out, kept, baseWeights, [&](size_t i) {
        return in[kept[i]].slot == nullptr || !isEjected(*in[kept[i]].slot, now);
      });
      p.ejectedSkipped = count - p.n;
    }
  }
  // Members at their maxconn= limit, unless all are (the request then waits in the queue).
  size_t full = 0;
  for (size_t i = 0; s.memberLimits && i < p.n; ++i) {
    full += atLimit(in[kept[i]].slot) ? 1 : 0;
  }
  if (full == p.n && full > 0) {
    p.allAtLimit = true;
  } else if (full > 0) {
    size_t before = p.n;
    p.n =
        compact(p.n, out, kept, baseWeights, [&](size_t i) { return !atLimit(in[kept[i]].slot); });
    p.atLimitSkipped = before - p.n;
  }
  if (s.wantLatency && s.outlier.factor > 0 && p.n >= 2 && p.n <= kMaxOutlierScan) {
    bool outlier[kMaxOutlierScan];
    size_t slow = findOutliers(out, p.n, s.outlier.factor, outlier);
    if (slow > 0 && !inPanic(p.n - slow, count, s.health.panicPercent)) {
      p.probe = s.probeDraw < s.outlier.probePpm;
      size_t before = p.n;
      p.n = compact(p.n, out, kept, baseWeights, [&](size_t i) { return outlier[i] == p.probe; });
      p.slowSkipped = before - p.n;
    }
  }
  return p;
}

}  // namespace fleet::lb
