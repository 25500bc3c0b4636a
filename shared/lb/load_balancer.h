// The interface every balancing method implements, and what it is given per decision.
// pick() is called on request threads, concurrently; implementations keep no mutable state of
// their own (shared state lives in MemberTable) and must not allocate.
#pragma once

#include <cstddef>
#include <cstdint>

#include "shared/common/random.h"

namespace fleet::lb {

class MaglevTable;

// One usable member as the method sees it: httpd has already applied lbsets, hot standby,
// hot spares, drain and the usable flags, and mod_fleet has removed ejected members (unless in
// panic) and applied slow start to the weight, before a Candidate is formed.
struct Candidate {
  uint32_t weight = 1;        // effective weight: lbfactor (loadfactor x 100), slow start applied
  int64_t inflight = 0;       // requests in flight to this member, summed over all child processes
  uint64_t id = 0;            // stable identity (memberKey), for consistent hashing
  double latencyMicros = -1;  // decayed peak-EWMA latency; negative = no sample yet
};

// What the method gets besides the candidates.
struct PickContext {
  explicit PickContext(common::Random& r) : rng(r) {}
  common::Random& rng;
  uint64_t keyHash = 0;                // consistent hashing: hash of the request's key
  const MaglevTable* table = nullptr;  // consistent hashing: built over exactly these candidates
  uint32_t balanceFactor = 0;          // bounded load in percent of the mean; 0 = unbounded
};

// What a method decided and why (feeds the decision trace).
struct Decision {
  size_t index = 0;             // the chosen candidate
  size_t compared[2] = {0, 0};  // the candidates compared (p2c-style methods)
  size_t ncompared = 0;
  size_t walked = 0;  // maglev: table positions skipped by the load bound
};

class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  virtual const char* name() const = 0;
  virtual bool usesLatency() const { return false; }
  virtual bool usesHashKey() const { return false; }
  // n >= 1. Returns the choice; never fails.
  virtual Decision pick(const Candidate* candidates, size_t n, PickContext& ctx) const = 0;
};

}  // namespace fleet::lb
