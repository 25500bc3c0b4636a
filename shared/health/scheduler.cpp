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

void Scheduler::push(uint64_t key, Member& m) { queue_.emplace(m.next, key, ++m.version); }

void Scheduler::dropStale() {
  while (!queue_.empty()) {
    const auto& [next, key, version] = queue_.top();
    auto it = members_.find(key);
    if (it != members_.end() && !it->second.running && it->second.version == version) {
      return;
    }
    queue_.pop();
  }
}

void Scheduler::add(uint64_t key, const ScheduleConfig& cfg, int64_t now, common::Random& rng) {
  auto it = members_.find(key);
  if (it != members_.end()) {
    it->second.cfg = cfg;
    return;
  }
  Member& m = members_[key];
  m.cfg = cfg;
  uint64_t span = cfg.intervalMicros > 0 ? static_cast<uint64_t>(cfg.intervalMicros) : 1;
  m.next = now + static_cast<int64_t>(rng.below(span));
  push(key, m);
}

std::vector<uint64_t> Scheduler::takeDue(int64_t now) {
  std::vector<uint64_t> due;
  for (dropStale(); !queue_.empty() && std::get<0>(queue_.top()) <= now; dropStale()) {
    uint64_t key = std::get<1>(queue_.top());
    queue_.pop();
    members_[key].running = true;
    due.push_back(key);
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
  push(key, it->second);
}

int64_t Scheduler::nextDue() {
  dropStale();
  return queue_.empty() ? std::numeric_limits<int64_t>::max() : std::get<0>(queue_.top());
}

}  // namespace fleet::health
