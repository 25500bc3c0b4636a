#include "shared/health/orchestrator.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace fleet::health {

Orchestrator::Orchestrator(CheckerControl& control, LeaseOwner me, CheckerPort& port,
                           const common::Clock& clock, common::Random& rng, Sleep sleep,
                           Stopping stopping, OrchestratorTiming timing)
    : control_(control),
      me_(me),
      port_(port),
      clock_(clock),
      rng_(rng),
      sleep_(std::move(sleep)),
      stopping_(std::move(stopping)),
      timing_(timing),
      checker_(std::make_unique<Checker>(timing.batchMicros)) {}

void Orchestrator::run() {
  struct Release {
    CheckerControl& control;
    LeaseOwner me;
    ~Release() { Lease::release(control.lease, me); }
  } release{control_, me_};
  while (step()) {
  }
}

bool Orchestrator::step() {
  if (stopping_() || port_.childStopping()) {
    return false;
  }
  int64_t now = clock_.nowMicros();
  if (!Lease::tryHold(control_.lease, me_, now, timing_.leaseStaleMicros)) {
    if (held_) {
      // Taken over (this child hung past the stale time): its checks and schedule are stale too.
      held_ = false;
      checker_ = std::make_unique<Checker>(timing_.batchMicros);
    }
    sleep_(timing_.standbyPollMicros);
    return true;
  }
  if (!held_) {
    held_ = true;
    refreshed_ = false;
    control_.takeovers.fetch_add(1, std::memory_order_relaxed);
    control_.heldSinceWall.store(port_.wallNowMicros(), std::memory_order_relaxed);
    port_.tookOver();
  }
  if (!refreshed_ || now - lastRefresh_ >= timing_.refreshMicros) {
    refresh(now);
  }
  if (checker_->running() == 0) {
    int64_t idle = std::min<int64_t>(checker_->untilNextDue(now), timing_.maxIdleMicros);
    if (idle > 0) {
      sleep_(idle);
      if (!Lease::tryHold(control_.lease, me_, clock_.nowMicros(), timing_.leaseStaleMicros)) {
        return true;  // the next pass finds it lost
      }
    }
  }
  size_t started =
      checker_->tick(clock_, timing_.waitMillis, rng_,
                     [this](uint64_t key, ProbeResult& r) { return port_.onResult(key, r); });
  control_.probes.fetch_add(started, std::memory_order_relaxed);
  return true;
}

void Orchestrator::refresh(int64_t now) {
  std::vector<CheckTarget> targets = port_.members(now);
  checker_->setMembers(targets, now, rng_);
  control_.members.store(static_cast<uint32_t>(targets.size()), std::memory_order_relaxed);
  refreshed_ = true;
  lastRefresh_ = now;
}

}  // namespace fleet::health
