// The interface every balancing method implements, and what it is given per decision.
// pick() is called on request threads, concurrently; implementations keep no mutable state of
// their own (shared state lives in MemberTable) and must not allocate.
#pragma once

#include <cstddef>
#include <cstdint>

#include "shared/common/random.h"

namespace fleet::lb {

// One usable member as the method sees it: httpd has already applied lbsets, hot standby,
// hot spares, drain and the usable flags before a Candidate is formed.
struct Candidate {
  uint32_t weight = 1;    // httpd's lbfactor (loadfactor x 100); 0 is treated as 1
  int64_t inflight = 0;   // requests in flight to this member, summed over all child processes
};

// What a method decided and why (feeds the decision trace).
struct Decision {
  size_t index = 0;                      // the chosen candidate
  size_t compared[2] = {0, 0};           // the two candidates compared (p2c-style methods)
  size_t ncompared = 0;
};

class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  virtual const char* name() const = 0;
  // n >= 1. Returns the choice; never fails.
  virtual Decision pick(const Candidate* candidates, size_t n, common::Random& rng) const = 0;
};

}  // namespace fleet::lb
