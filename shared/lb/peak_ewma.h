// Peak-EWMA latency estimate (Finagle/linkerd): a sample above the estimate becomes the estimate
// at once; lower samples pull it down with time constant tau; a reader sees it decayed toward 0
// by the time since the last sample, so an idle member is tried again. One 64-bit atomic word
// holds the estimate (float microseconds) and the time of the last sample (32-bit milliseconds),
// so any thread of any process updates it with a single CAS.
#pragma once

#include <atomic>
#include <cstdint>

namespace fleet::lb {

class PeakEwma {
 public:
  static constexpr int64_t kDefaultTauMicros = 10 * 1000 * 1000;

  // Records one sample (microseconds) taken at nowMicros (a monotonic clock shared by processes).
  static void observe(std::atomic<uint64_t>& word, double sampleMicros, int64_t nowMicros,
                      int64_t tauMicros);
  // The estimate decayed to nowMicros; negative when no sample was ever recorded.
  static double read(uint64_t word, int64_t nowMicros, int64_t tauMicros);
  // The estimate as stored at its last sample, undecayed; negative when never observed.
  static double stored(uint64_t word);

  static uint64_t pack(double micros, int64_t nowMicros);
};

// The latency sample of one attempt: time from sending to the answer; a failed attempt counts as
// at least `penaltyMicros`, also when it failed before anything was sent (sentAt 0). Negative:
// nothing to record (not sent and not failed).
double attemptLatencyMicros(int64_t sentAt, int64_t nowMicros, bool failed, int64_t penaltyMicros);

}  // namespace fleet::lb
