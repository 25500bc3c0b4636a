// Randomness injected into the balancers, so tests can script every draw.
// A Random object is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fleet::common {

class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, bound); bound > 0.
  virtual uint64_t below(uint64_t bound) = 0;
};

// splitmix64: small state, no allocation, good enough for load balancing (not for secrets).
class FastRandom : public Random {
 public:
  explicit FastRandom(uint64_t seed) : state_(seed) {}
  uint64_t next();
  uint64_t below(uint64_t bound) override;
  uint64_t state() const { return state_; }

 private:
  uint64_t state_;
};

// Returns the scripted values in order (each taken modulo the bound), then starts over.
class ScriptedRandom : public Random {
 public:
  explicit ScriptedRandom(std::vector<uint64_t> values) : values_(std::move(values)) {}
  uint64_t below(uint64_t bound) override;
  size_t draws() const { return draws_; }

 private:
  std::vector<uint64_t> values_;
  size_t draws_ = 0;
};

}  // namespace fleet::common
