// When each member is checked next. The checker thread asks `takeDue(now)` on every tick and calls
// `finished` when a probe ends; nothing here reads a clock or sleeps, so tests drive it with any
// times they like. Members are known by a stable key (the member table's), so the set can change
// while probes run (members added from balancer-manager, or removed). A member is never checked
// twice at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "shared/common/random.h"

namespace fleet::health {

struct ScheduleConfig {
  int64_t intervalMicros = 30000000;   // hcinterval (default 30 s, as mod_proxy_hcheck)
  int64_t changingIntervalMicros = 0;  // while a member's state is changing; 0 = intervalMicros
  uint32_t jitterPercent = 0;          // each delay drawn from interval ± this percent
  bool operator==(const ScheduleConfig& o) const {
    return intervalMicros == o.intervalMicros &&
           changingIntervalMicros == o.changingIntervalMicros && jitterPercent == o.jitterPercent;
  }
};

// The delay before a member's next check: the (faster, while changing) interval with jitter.
int64_t checkDelay(const ScheduleConfig& cfg, bool changing, common::Random& rng);

class Scheduler {
 public:
  // A new member: its first check is spread uniformly over its first interval. A key already
  // present only gets the new settings (from its next check on).
  void add(uint64_t key, const ScheduleConfig& cfg, int64_t now, common::Random& rng);
  // Forgets a member; a probe of it still running reports to finished(), which ignores it.
  void remove(uint64_t key) { members_.erase(key); }
  bool contains(uint64_t key) const { return members_.count(key) != 0; }
  // Members whose check is due at `now` and not running; they are marked running.
  std::vector<uint64_t> takeDue(int64_t now);
  // A probe of `key` ended at `now`; `changing` = its pass/fail count is under way.
  void finished(uint64_t key, int64_t now, bool changing, common::Random& rng);
  // The earliest time a member not running is due (INT64_MAX when none): the loop's timeout.
  int64_t nextDue();
  size_t size() const { return members_.size(); }

 private:
  struct Member {
    ScheduleConfig cfg;
    int64_t next = 0;
    bool running = false;
    uint64_t version = 0;  // which queue entry is current
  };
  // (due time, key, version), earliest first. Entries of removed members, of running ones and
  // older versions are skipped when they reach the top: every operation is O(log n), so
  // thousands of members cost nothing per tick.
  using Entry = std::tuple<int64_t, uint64_t, uint64_t>;
  void push(uint64_t key, Member& m);
  void dropStale();
  std::unordered_map<uint64_t, Member> members_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;
};

}  // namespace fleet::health
