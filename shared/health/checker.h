// The health checker's loop body, without threads or httpd: which members to check (set by the
// caller whenever membership or settings may have changed), the scheduler that says when, and the
// probe engine that runs the checks. The caller's thread calls tick() over and over; every
// finished check is handed to the caller (which applies rise/fall to the member and records it)
// together with whether the member's state is still changing, for the faster interval.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "shared/common/clock.h"
#include "shared/common/random.h"
#include "shared/health/probe_engine.h"
#include "shared/health/scheduler.h"

namespace fleet::health {

struct CheckTarget {
  uint64_t key = 0;        // the member's stable key
  ProbeTarget probe;       // where and how
  std::string unresolved;  // non-empty: the member cannot be reached at all (bad host name...);
                           // each of its checks fails at once with this reason
  ScheduleConfig schedule;
};

class Checker {
 public:
  // Returns whether the member's state is changing (a pass or fail count under way).
  using OnResult = std::function<bool(uint64_t key, ProbeResult& result)>;

  // Checks due within batchMicros of a tick start together, so thousands of members spread
  // over an interval wake the thread a few hundred times a second, not once per check.
  explicit Checker(int64_t batchMicros = 0) : batchMicros_(batchMicros) {}

  // The members to check from now on. Members that stay keep their timing; new ones get their
  // first check spread over their interval; members that left are forgotten (a check of theirs
  // still running is dropped when it ends).
  void setMembers(const std::vector<CheckTarget>& members, int64_t nowMicros, common::Random& rng);
  // Starts the checks due now, waits up to waitMillis for I/O when checks are running, then
  // finishes what is done (at the clock's time after the wait) and hands each result to onResult.
  // Returns the number of checks started.
  size_t tick(const common::Clock& clock, int waitMillis, common::Random& rng,
              const OnResult& onResult);
  // Micros from now until the next check is due (0 when overdue; INT64_MAX when none).
  int64_t untilNextDue(int64_t nowMicros);

  size_t size() const { return listed_.size(); }
  size_t running() const { return engine_.active(); }
  const ProbeEngine& engine() const { return engine_; }
  bool ok() const { return engine_.ok(); }

 private:
  int64_t batchMicros_;
  ProbeEngine engine_;
  Scheduler scheduler_;
  // Member key -> the setMembers() call that last listed it. The engine keeps each member's
  // target, so a check looks nothing up here.
  std::unordered_map<uint64_t, uint64_t> listed_;
  uint64_t listing_ = 0;
  ProbeEngine::Results ended_;  // kept between ticks for its memory
};

}  // namespace fleet::health
