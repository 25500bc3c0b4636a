#include "shared/common/clock.h"

#include <chrono>

namespace fleet::common {

int64_t SteadyClock::nowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace fleet::common
