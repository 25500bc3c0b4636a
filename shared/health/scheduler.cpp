#include "shared/health/scheduler.h"

#include <cstdint>
#include <limits>

namespace fleet::health {

int64_t checkDelay(const ScheduleConfig& cfg, bool changing, common::Random& rng) {
  int64_t base = (changing && cfg.changingIntervalMicros > 0) ? cfg.changingIntervalMicros
                                                              : cfg.intervalMicros;
  if (cfg.jitterPercent == 0 || base <= 0) {
    return base;
  }
  int64_t spread = base * static_cast<int64_t>(cfg.jitterPercent) / 100;
  if (spread == 0) {
    return base;
  }
  int64_t offset = static_cast<int64_t>(rng.below(static_cast<uint64_t>(2 * spread + 1))) - spread;
  return base + offset < 1 ? 1 : base + offset;
}

size_t Scheduler::add(const ScheduleConfig& cfg, int64_t now, common::Random& rng) {
  Member m;
  m.cfg = cfg;
  uint64_t span = cfg.intervalMicros > 0 ? static_cast<uint64_t>(cfg.intervalMicros) : 1;
  m.next = now + static_cast<int64_t>(rng.below(span));
  members_.push_back(m);
  return members_.size() - 1;
}

std::vector<size_t> Scheduler::takeDue(int64_t now) {
  std::vector<size_t> due;
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!members_[i].running && members_[i].next <= now) {
      members_[i].running = true;
      due.push_back(i);
    }
  }
  return due;
}

void Scheduler::finished(size_t id, int64_t now, bool changing, common::Random& rng) {
  Member& m = members_[id];
  m.running = false;
  m.next = now + checkDelay(m.cfg, changing, rng);
}

int64_t Scheduler::nextDue() const {
  int64_t best = std::numeric_limits<int64_t>::max();
  for (const Member& m : members_) {
    if (!m.running && m.next < best) {
      best = m.next;
    }
  }
  return best;
}

}  // namespace fleet::health
