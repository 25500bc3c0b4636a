#include "shared/common/random.h"

#include <stdexcept>

namespace fleet::common {

uint64_t FastRandom::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t FastRandom::below(uint64_t bound) {
  // Lemire's multiply-shift: unbiased enough for bounds far below 2^64.
  return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
}

uint64_t ScriptedRandom::below(uint64_t bound) {
  if (values_.empty()) {
    throw std::logic_error("ScriptedRandom has no values");
  }
  uint64_t v = values_[draws_ % values_.size()];
  ++draws_;
  return v % bound;
}

}  // namespace fleet::common
