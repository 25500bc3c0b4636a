#include "shared/lb/peak_ewma.h"

#include <cmath>
#include <cstring>

namespace fleet::lb {
namespace {

uint32_t stampOf(int64_t nowMicros) { return static_cast<uint32_t>(nowMicros / 1000); }

float estimateOf(uint64_t word) {
  uint32_t bits = static_cast<uint32_t>(word >> 32);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Milliseconds from the stamp to now, with 32-bit wrap-around (valid for 24 days of idleness).
double elapsedMicros(uint64_t word, int64_t nowMicros) {
  uint32_t then = static_cast<uint32_t>(word & 0xffffffffu);
  int32_t ms = static_cast<int32_t>(stampOf(nowMicros) - then);
  return ms < 0 ? 0.0 : static_cast<double>(ms) * 1000.0;
}

// e^-x for x >= 0. Samples and reads are usually milliseconds apart against a time constant of
// seconds, so x is tiny and a short series is exact to float precision; exp() is kept for the rest.
double decay(double x) {
  if (x < 0.01) {
    return 1.0 - x + x * x * 0.5 - x * x * x / 6.0;
  }
  return std::exp(-x);
}

}  // namespace

uint64_t PeakEwma::pack(double micros, int64_t nowMicros) {
  float f = static_cast<float>(micros < 1.0 ? 1.0 : micros);  // never 0: 0 means "no sample"
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return (static_cast<uint64_t>(bits) << 32) | stampOf(nowMicros);
}

void PeakEwma::observe(std::atomic<uint64_t>& word, double sampleMicros, int64_t nowMicros,
                       int64_t tauMicros) {
  uint64_t old = word.load(std::memory_order_relaxed);
  for (;;) {
    double next = sampleMicros;
    if (old != 0) {
      double est = estimateOf(old);
      if (sampleMicros < est) {
        double w = decay(elapsedMicros(old, nowMicros) / static_cast<double>(tauMicros));
        next = est * w + sampleMicros * (1.0 - w);
      }
    }
    if (word.compare_exchange_weak(old, pack(next, nowMicros), std::memory_order_relaxed)) {
      return;
    }
  }
}

double PeakEwma::read(uint64_t word, int64_t nowMicros, int64_t tauMicros) {
  if (word == 0) {
    return -1.0;
  }
  return estimateOf(word) * decay(elapsedMicros(word, nowMicros) / static_cast<double>(tauMicros));
}

double attemptLatencyMicros(int64_t sentAt, int64_t now, bool failed, int64_t penalty) {
  if (sentAt == 0 && !failed) {
    return -1.0;
  }
  double sample = sentAt != 0 ? static_cast<double>(now - sentAt) : 0.0;
  return failed && sample < static_cast<double>(penalty) ? static_cast<double>(penalty) : sample;
}

double PeakEwma::stored(uint64_t word) { return word == 0 ? -1.0 : estimateOf(word); }

}  // namespace fleet::lb
