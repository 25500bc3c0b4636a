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

void Scheduler::add(uint64_t key, const ScheduleConfig& cfg, int64_t now, common::Random& rng) {
  auto it = members_.find(key);
  if (it != members_.end()) {
    it->second.cfg = cfg;
    return;
  }
  Member m;
  m.cfg = cfg;
  uint64_t span = cfg.intervalMicros > 0 ? static_cast<uint64_t>(cfg.intervalMicros) : 1;
  m.next = now + static_cast<int64_t>(rng.below(span));
  members_.emplace(key, m);
}

std::vector<uint64_t> Scheduler::takeDue(int64_t now) {
  std::vector<uint64_t> due;
  for (auto& [key, m] : members_) {
    if (!m.running && m.next <= now) {
      m.running = true;
      due.push_back(key);
    }
  }
  return due;
}

void Scheduler::finished(uint64_t key, int64_t now, bool changing, common::Random& rng) {
  auto it = members_.find(key);
  if (it == members_.end()) {
    return;  // removed while its probe ran
  }
  it->second.running = false;
  it->second.next = now + checkDelay(it->second.cfg, changing, rng);
}

int64_t Scheduler::nextDue() const {
  int64_t best = std::numeric_limits<int64_t>::max();
  for (const auto& [key, m] : members_) {
    if (!m.running && m.next < best) {
      best = m.next;
    }
  }
  return best;
}

}  // namespace fleet::health
