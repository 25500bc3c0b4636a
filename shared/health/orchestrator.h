// The health checker thread's loop: of all children exactly one (the lease holder) checks; the
// others poll for the lease in standby. The holder re-reads its members every second and sleeps
// until the next check is due. Runs on the checker thread, which owns it; time, sleeping and the
// stop request are injected, so tests drive every pass by hand.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "shared/common/clock.h"
#include "shared/common/random.h"
#include "shared/health/checker.h"
#include "shared/health/checker_port.h"
#include "shared/health/lease.h"
#include "shared/health/record.h"

namespace fleet::health {

struct OrchestratorTiming {
  // The lease is stale (its holder is gone or hung) after this long without a heartbeat.
  int64_t leaseStaleMicros = 800000;
  // How often a child that does not hold the lease looks whether it is free.
  int64_t standbyPollMicros = 100000;
  // How often the holder re-reads its members (added in balancer-manager, edited hc fields).
  int64_t refreshMicros = 1000000;
  // Checks due within this long of each other start together (fewer wake-ups; see Checker).
  int64_t batchMicros = 10000;
  // The holder's longest sleep between checks, and its longest wait for probe I/O: both far
  // below the stale time, so the heartbeat stays fresh.
  int64_t maxIdleMicros = 100000;
  int waitMillis = 100;
};

class Orchestrator {
 public:
  // Sleeps up to `micros`, returning early once the thread is asked to stop.
  using Sleep = std::function<void(int64_t micros)>;
  // Whether the thread is asked to stop.
  using Stopping = std::function<bool()>;

  Orchestrator(CheckerControl& control, LeaseOwner me, CheckerPort& port,
               const common::Clock& clock, common::Random& rng, Sleep sleep, Stopping stopping,
               OrchestratorTiming timing = {});

  // Passes until asked to stop or the child is stopping; then gives the lease up (also when a
  // pass throws), so another child takes over at once.
  void run();
  // One pass: hold the lease or stand by, refresh when due, sleep until a check is due, tick.
  // False, having done nothing, when it is time to stop.
  bool step();

  bool holding() const { return held_; }
  const Checker& checker() const { return *checker_; }

 private:
  void refresh(int64_t now);

  CheckerControl& control_;
  LeaseOwner me_;
  CheckerPort& port_;
  const common::Clock& clock_;
  common::Random& rng_;
  Sleep sleep_;
  Stopping stopping_;
  OrchestratorTiming timing_;
  std::unique_ptr<Checker> checker_;
  bool held_ = false;
  bool refreshed_ = false;
  int64_t lastRefresh_ = 0;
};

}  // namespace fleet::health
