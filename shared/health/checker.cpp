#include "shared/health/checker.h"

#include <limits>
#include <unordered_set>

namespace fleet::health {

void Checker::setMembers(const std::vector<CheckTarget>& members, int64_t now,
                         common::Random& rng) {
  std::unordered_set<uint64_t> keep;
  for (const CheckTarget& m : members) {
    keep.insert(m.key);
    targets_[m.key] = m;
    scheduler_.add(m.key, m.schedule, now, rng);
  }
  for (auto it = targets_.begin(); it != targets_.end();) {
    if (keep.count(it->first) == 0) {
      scheduler_.remove(it->first);
      engine_.forget(static_cast<size_t>(it->first));
      it = targets_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t Checker::tick(const common::Clock& clock, int waitMillis, common::Random& rng,
                     const OnResult& onResult) {
  int64_t now = clock.nowMicros();
  std::vector<uint64_t> due = scheduler_.takeDue(now + batchMicros_);
  std::vector<std::pair<size_t, ProbeResult>> ended;
  for (uint64_t key : due) {
    const CheckTarget& t = targets_.at(key);
    if (!t.unresolved.empty()) {
      ProbeResult r;
      r.reason = t.unresolved;
      ended.emplace_back(static_cast<size_t>(key), std::move(r));
    } else {
      engine_.start(static_cast<size_t>(key), t.probe, now);
    }
  }
  if (ended.empty()) {
    engine_.wait(waitMillis);
  }
  now = clock.nowMicros();
  for (auto& e : engine_.step(now, 0)) {
    ended.push_back(std::move(e));
  }
  for (auto& [id, result] : ended) {
    uint64_t key = static_cast<uint64_t>(id);
    if (targets_.count(key) == 0) {
      continue;  // the member left while it was being checked
    }
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
