// The decision trace: one line saying why a member was chosen, for %{FLEET_DECISION}n in
// LogFormat and the optional X-Fleet-Decision response header. Built on every balanced
// request, so it writes into the caller's buffer and never allocates.
#pragma once

#include <cstddef>
#include <string>

#include "shared/lb/load_balancer.h"

namespace fleet::lb {

// What the selection knew besides the candidates.
struct TraceExtras {
  bool panic = false;         // ejections were ignored
  size_t ejected = 0;         // members left out as ejected
  const char* key = nullptr;  // consistent hashing: the key (shown shortened, unprintables as ?)
};

// Writes e.g. "p2c m2 [m2 inflight=3 weight=100 | m4 inflight=7 weight=100] of 4" into out
// (ewma adds latency_us= per compared member; then " panic ejected=N walked=N" when any applies,
// and key="..." for a hash key), NUL-terminated, truncated to cap - 1 characters; returns the
// length written. labels[i] names candidate i (the member's route, else its URL).
size_t describeDecision(char* out, size_t cap, const char* method, const char* const* labels,
                        const Candidate* candidates, size_t n, const Decision& d,
                        const TraceExtras& extras = TraceExtras());

// The same as a string (tests, status pages).
std::string describeDecision(const char* method, const char* const* labels,
                             const Candidate* candidates, size_t n, const Decision& d,
                             const TraceExtras& extras = TraceExtras());

}  // namespace fleet::lb
