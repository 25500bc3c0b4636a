// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights: a lookup table of prime
// size filled from per-member permutations, so removing a member moves only (about) its own
// share of keys and re-adding it moves them back. Built off the request path (only when the
// membership or weights change); lookups are one modulo and one array read.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "shared/common/status.h"
#include "shared/lb/load_balancer.h"

namespace fleet::lb {

class MaglevTable {
 public:
  static constexpr uint32_t kDefaultSize = 65537;

  // members: (id, weight > 0); the result depends only on this set, not on its order.
  static MaglevTable build(std::vector<std::pair<uint64_t, uint32_t>> members, uint32_t size);
  // The same over candidates' ids with the given weights (httpd's, before slow start).
  static MaglevTable buildFor(const Candidate* candidates, const uint32_t* weights, size_t n,
                              uint32_t size);
  // Identifies what a table is built on: equal for the same members, weights and size in any
  // order, different (with overwhelming odds) when any of them changes. Decides rebuilds.
  static uint64_t signature(const Candidate* candidates, const uint32_t* weights, size_t n,
                            uint32_t size);

  uint32_t size() const { return static_cast<uint32_t>(entries_.size()); }
  size_t members() const { return ids_.size(); }
  size_t position(uint64_t keyHash) const { return static_cast<size_t>(keyHash % entries_.size()); }
  uint64_t at(size_t position) const { return ids_[entries_[position % entries_.size()]]; }
  uint64_t lookup(uint64_t keyHash) const { return at(position(keyHash)); }

 private:
  std::vector<uint64_t> ids_;      // sorted member ids
  std::vector<uint32_t> entries_;  // index into ids_
};

bool isPrime(uint64_t n);
// "FleetHashTableSize": a prime from 101 to 1000003.
common::Result<uint32_t> parseTableSize(const char* text);
// A well-mixed 64-bit hash of a key string (FNV-1a, then a splitmix finaliser).
uint64_t hashKey(const char* data, size_t len);

class Maglev : public LoadBalancer {
 public:
  static constexpr const char* kName = "maglev";
  const char* name() const override { return kName; }
  bool usesHashKey() const override { return true; }
  // Needs ctx.table built over exactly these candidates. With ctx.balanceFactor > 0, a member
  // whose in-flight count would exceed factor% of its weighted share of the total is passed over
  // for the next table position's member (as HAProxy's hash-balance-factor).
  Decision pick(const Candidate* candidates, size_t n, PickContext& ctx) const override;
};

}  // namespace fleet::lb
