// When each member is checked next. The checker thread asks `takeDue(now)` on every tick and calls
// `finished` when a probe ends; nothing here reads a clock or sleeps, so tests drive it with any
// times they like. A member is never checked twice at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "shared/common/random.h"

namespace fleet::health {

struct ScheduleConfig {
  int64_t intervalMicros = 30000000;  // hcinterval (default 30 s, as mod_proxy_hcheck)
  int64_t changingIntervalMicros = 0; // while a member's state is changing; 0 = intervalMicros
  uint32_t jitterPercent = 0;         // each delay drawn from interval ± this percent
};

// The delay before a member's next check: the (faster, while changing) interval with jitter.
int64_t checkDelay(const ScheduleConfig& cfg, bool changing, common::Random& rng);

class Scheduler {
 public:
  // A new member: its first check is spread uniformly over its first interval.
  size_t add(const ScheduleConfig& cfg, int64_t now, common::Random& rng);
  void setConfig(size_t id, const ScheduleConfig& cfg) { members_[id].cfg = cfg; }
  // Members whose check is due at `now` and not running; they are marked running.
  std::vector<size_t> takeDue(int64_t now);
  // A probe of `id` ended at `now`; `changing` = its pass/fail count is under way.
  void finished(size_t id, int64_t now, bool changing, common::Random& rng);
  // The earliest time a member not running is due (INT64_MAX when none): the loop's timeout.
  int64_t nextDue() const;
  size_t size() const { return members_.size(); }

 private:
  struct Member {
    ScheduleConfig cfg;
    int64_t next = 0;
    bool running = false;
  };
  std::vector<Member> members_;
};

}  // namespace fleet::health
