// What every child process shares about one balancer for request-level resilience: the retry
// budget (retries in flight against requests in flight, with a floor per second) and the queue of
// requests waiting for a member below its maxconn= limit, in arrival order across processes.
// Every field is a lock-free atomic in shared memory (a heap buffer in tests), so any thread of
// any process may call these functions at any time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "shared/common/clock.h"

namespace fleet::resilience {

constexpr size_t kQueueSlots = 1024;  // the longest queue FleetQueue accepts

struct alignas(64) BalancerState {
  std::atomic<uint64_t> key;  // 0 = free; else balancerKey(name)
  // Retry budget.
  std::atomic<int64_t> active;         // requests going through the balancer now
  std::atomic<int64_t> retriesActive;  // retries in flight now
  std::atomic<uint64_t> retries, budgetRefusals;
  // The queue: tickets in arrival order; slot[t % kQueueSlots] says what ticket t is doing.
  std::atomic<uint64_t> nextTicket, head;
  std::atomic<uint32_t> depth;
  std::atomic<uint64_t> queued, queueFull, queueTimeouts;
  std::atomic<uint64_t> slotWord[kQueueSlots];     // (ticket << 2) | state
  std::atomic<int64_t> slotDeadline[kQueueSlots];  // monotonic micros the waiter gives up
};

uint64_t balancerKey(std::string_view name);

// An open-addressing table of BalancerState in caller-provided memory (zeroed before format).
class BalancerTable {
 public:
  static size_t bytesFor(size_t balancers);
  static BalancerTable format(void* memory, size_t bytes);
  BalancerState* findOrClaim(uint64_t key);
  BalancerState* find(uint64_t key) const;

 private:
  BalancerTable(BalancerState* slots, size_t capacity) : slots_(slots), capacity_(capacity) {}
  BalancerState* slots_;
  size_t capacity_;
};

// FleetRetryBudget <percent> [<min concurrent>] (Envoy's retry budget): retries in flight may be at
// most percent of the requests in flight, but minConcurrent retries in flight are always allowed.
struct BudgetConfig {
  uint32_t percent = 20;
  uint32_t minConcurrent = 3;
};

// Counts a request in (and out) of the balancer.
void requestStarted(BalancerState& b);
void requestEnded(BalancerState& b);
// A retry may start now (counted, and counted in flight until retryEnded); false: the budget is
// spent (counted as a refusal).
bool tryRetry(BalancerState& b, const BudgetConfig& cfg);
void retryEnded(BalancerState& b);

enum class QueueResult { kGot, kFull, kTimedOut };

// The queue: a request that found every eligible member at its limit waits here, in arrival order
// across processes, until `reserve` (trying the members again) succeeds for it, at most
// timeoutMicros. Only the oldest waiter tries; a waiter whose process died is skipped once its
// deadline has passed by a second. `sleep` pauses the caller (tests advance their clock in it).
QueueResult waitForSlot(BalancerState& b, uint32_t maxLength, int64_t timeoutMicros,
                        const common::Clock& clock, const std::function<void(int64_t)>& sleep,
                        const std::function<bool()>& reserve, int64_t* waitedMicros);
// Whether new requests must queue behind waiting ones (fairness) rather than reserve at once.
inline bool someoneWaits(const BalancerState& b) {
  return b.depth.load(std::memory_order_acquire) > 0;
}

}  // namespace fleet::resilience
