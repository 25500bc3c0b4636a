// Time source injected into everything that measures or waits, so tests drive time by hand.
// Implementations must be safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace fleet::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic microseconds; only differences are meaningful.
  virtual int64_t nowMicros() const = 0;
};

class SteadyClock : public Clock {
 public:
  int64_t nowMicros() const override;
};

// A clock that moves only when a test says so.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start = 0) : now_(start) {}
  int64_t nowMicros() const override { return now_.load(std::memory_order_relaxed); }
  void advanceMicros(int64_t d) { now_.fetch_add(d, std::memory_order_relaxed); }
  void setMicros(int64_t t) { now_.store(t, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace fleet::common
