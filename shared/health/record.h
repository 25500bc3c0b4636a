// What the health checker learned about a member, kept in shared memory for the status page and
// balancer-manager: the last result (status, latency, reason, time), a history of the last 64
// results, the TLS certificate's days left, and state transitions. One checker writes at a time
// (the lease holder); any process reads. The reason text is guarded by a sequence counter so a
// reader never sees half of one reason and half of another.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "shared/health/probe_engine.h"

namespace fleet::health {

struct HealthRecord {
  static constexpr size_t kReasonWords = 6;  // 47 characters and a terminator
  std::atomic<uint32_t> seq;                 // odd while the writer is updating
  std::atomic<uint32_t> transitions;         // times the member flipped between healthy and failing
  std::atomic<uint64_t> checks;              // checks done (this server generation)
  std::atomic<uint64_t> history;             // bit 0 = the newest result; 1 = passed
  std::atomic<int64_t> lastCheckedWall;      // unix micros of the last result; 0 = never checked
  std::atomic<int64_t> changedWall;          // unix micros of the last transition; 0 = none
  std::atomic<int64_t> lastLatency;          // micros
  std::atomic<int32_t> lastStatus;           // HTTP status of the last check (0: none, TCP)
  std::atomic<int32_t> certDaysLeft;         // valid once certKnown is set
  std::atomic<uint32_t> certKnown;
  std::atomic<uint32_t> failing;  // the checker's verdict after rise/fall
  std::atomic<uint32_t> lastPassed;
  std::atomic<uint64_t> reason[kReasonWords];
};
static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "shared memory needs address-free atomics");

// A consistent copy of a record.
struct HealthSnapshot {
  uint64_t checks = 0;
  uint64_t history = 0;
  uint32_t transitions = 0;
  int64_t lastCheckedWall = 0;
  int64_t changedWall = 0;
  int64_t lastLatency = 0;
  int lastStatus = 0;
  int certDaysLeft = -1;
  bool failing = false;
  bool lastPassed = false;
  std::string reason;
};

// Records one check (the checker thread). `transitioned` = the state flipped with this result.
void recordCheck(HealthRecord& rec, const ProbeResult& result, bool failing, bool transitioned,
                 int64_t wallNowMicros);
HealthSnapshot readRecord(const HealthRecord& rec);
// The newest `n` results, oldest first, as '+' (passed) and '-' (failed); shorter when fewer
// checks were made.
std::string historyString(const HealthSnapshot& snap, size_t n);

// Shared state of the checker itself: the lease and a few counters for the status page.
struct CheckerControl {
  std::atomic<uint64_t> lease;         // see lease.h
  std::atomic<uint64_t> probes;        // probes started by any holder
  std::atomic<uint64_t> takeovers;     // times a child took the lease over
  std::atomic<int64_t> heldSinceWall;  // unix micros the current holder took the lease
  std::atomic<uint32_t> members;       // members the holder checks
};

}  // namespace fleet::health
