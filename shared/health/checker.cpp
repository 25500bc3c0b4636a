#include "shared/health/checker.h"

#include <limits>

namespace fleet::health {

void Checker::setMembers(const std::vector<CheckTarget>& members, int64_t now,
                         common::Random& rng) {
  uint64_t listing = ++listing_;
  for (const CheckTarget& m : members) {
    listed_[m.key] = listing;
    engine_.update(static_cast<size_t>(m.key), m.probe, m.unresolved);
    scheduler_.add(m.key, m.schedule, now, rng);
  }
  for (auto it = listed_.begin(); it != listed_.end();) {
    if (it->second != listing) {
      scheduler_.remove(it->first);
      engine_.forget(static_cast<size_t>(it->first));  // a running check of it goes unreported
      it = listed_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t Checker::tick(const common::Clock& clock, int waitMillis, common::Random& rng,
                     const OnResult& onResult) {
  int64_t now = clock.nowMicros();
  std::vector<uint64_t> due = scheduler_.takeDue(now + batchMicros_);
  for (uint64_t key : due) {
    engine_.start(static_cast<size_t>(key), now);  // an unresolved member fails at once
  }
  engine_.wait(waitMillis);  // at once when a check has ended already
  now = clock.nowMicros();
  ended_.clear();
  engine_.step(now, 0, &ended_);
  for (auto& [id, result] : ended_) {
    uint64_t key = static_cast<uint64_t>(id);
    bool changing = onResult(key, result);
    scheduler_.finished(key, now, changing, rng);
  }
  return due.size();
}

int64_t Checker::untilNextDue(int64_t now) {
  int64_t next = scheduler_.nextDue();
  if (next == std::numeric_limits<int64_t>::max()) {
    return next;
  }
  return next - batchMicros_ <= now ? 0 : next - batchMicros_ - now;
}

}  // namespace fleet::health
