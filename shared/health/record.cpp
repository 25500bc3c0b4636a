#include "shared/health/record.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "shared/common/utf8.h"

namespace fleet::health {

void recordCheck(HealthRecord& rec, const ProbeResult& result, bool failing, bool transitioned,
                 int64_t wallNowMicros) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  rec.seq.fetch_add(1, std::memory_order_acq_rel);  // odd: readers retry
  std::atomic_thread_fence(std::memory_order_release);
  uint64_t words[HealthRecord::kReasonWords] = {};
  // A member's bytes may be in the reason: valid UTF-8, cut on a code point.
  std::string reason = common::validUtf8(result.reason);
  std::string_view kept = common::utf8Prefix(reason, sizeof(words) - 1);
  std::memcpy(words, kept.data(), kept.size());
  for (size_t i = 0; i < HealthRecord::kReasonWords; ++i) {
    rec.reason[i].store(words[i], kRelaxed);
  }
  rec.history.store((rec.history.load(kRelaxed) << 1) | (result.passed ? 1u : 0u), kRelaxed);
  rec.checks.fetch_add(1, kRelaxed);
  rec.lastCheckedWall.store(wallNowMicros, kRelaxed);
  rec.lastLatency.store(result.latencyMicros, kRelaxed);
  rec.lastStatus.store(result.status, kRelaxed);
  if (result.certDaysLeft >= 0) {
    // A check that did not get as far as the certificate keeps the last known figure.
    rec.certDaysLeft.store(result.certDaysLeft, kRelaxed);
    rec.certKnown.store(1, kRelaxed);
  }
  rec.failing.store(failing ? 1 : 0, kRelaxed);
  rec.lastPassed.store(result.passed ? 1 : 0, kRelaxed);
  if (transitioned) {
    rec.transitions.fetch_add(1, kRelaxed);
    rec.changedWall.store(wallNowMicros, kRelaxed);
  }
  rec.seq.fetch_add(1, std::memory_order_release);  // even again
}

HealthSnapshot readRecord(const HealthRecord& rec) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  HealthSnapshot s;
  for (int attempt = 0; attempt < 100; ++attempt) {
    uint32_t before = rec.seq.load(std::memory_order_acquire);
    if (before & 1u) {
      continue;
    }
    uint64_t words[HealthRecord::kReasonWords + 1] = {};
    for (size_t i = 0; i < HealthRecord::kReasonWords; ++i) {
      words[i] = rec.reason[i].load(kRelaxed);
    }
    s.checks = rec.checks.load(kRelaxed);
    s.history = rec.history.load(kRelaxed);
    s.transitions = rec.transitions.load(kRelaxed);
    s.lastCheckedWall = rec.lastCheckedWall.load(kRelaxed);
    s.changedWall = rec.changedWall.load(kRelaxed);
    s.lastLatency = rec.lastLatency.load(kRelaxed);
    s.lastStatus = rec.lastStatus.load(kRelaxed);
    s.certDaysLeft = rec.certKnown.load(kRelaxed) ? rec.certDaysLeft.load(kRelaxed) : -1;
    s.failing = rec.failing.load(kRelaxed) != 0;
    s.lastPassed = rec.lastPassed.load(kRelaxed) != 0;
    std::atomic_thread_fence(std::memory_order_acquire);
    if (rec.seq.load(kRelaxed) == before) {
      s.reason = reinterpret_cast<const char*>(words);
      return s;
    }
  }
  s.reason = "(being updated)";
  return s;
}

std::string historyString(const HealthSnapshot& snap, size_t n) {
  size_t count = snap.checks < n ? static_cast<size_t>(snap.checks) : n;
  if (count > 64) {
    count = 64;
  }
  std::string out;
  for (size_t i = count; i-- > 0;) {
    out.push_back(((snap.history >> i) & 1u) ? '+' : '-');
  }
  return out;
}

}  // namespace fleet::health
