#include "shared/resilience/balancer_state.h"

#include <algorithm>
#include <new>

namespace fleet::resilience {
namespace {

constexpr uint64_t kWaiting = 1, kDone = 2;  // a slot's state (low two bits)
constexpr int64_t kDeadWaiterGraceMicros = 1000000;
constexpr int64_t kPollMicros = 1000;

uint64_t word(uint64_t ticket, uint64_t state) { return (ticket << 2) | state; }

// Moves head past tickets that are done (served, timed out, or whose waiter died).
void advanceHead(BalancerState& b, int64_t now) {
  for (;;) {
    uint64_t h = b.head.load(std::memory_order_acquire);
    if (h >= b.nextTicket.load(std::memory_order_acquire)) {
      return;
    }
    size_t i = h % kQueueSlots;
    uint64_t w = b.slotWord[i].load(std::memory_order_acquire);
    bool done = w == word(h, kDone);
    if (!done && w == word(h, kWaiting) &&
        now > b.slotDeadline[i].load(std::memory_order_acquire) + kDeadWaiterGraceMicros) {
      // Its process is gone (it would have given up at its deadline): skip it.
      done = b.slotWord[i].compare_exchange_strong(w, word(h, kDone), std::memory_order_acq_rel);
      if (done) {
        b.depth.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
    if (!done) {
      return;
    }
    b.head.compare_exchange_strong(h, h + 1, std::memory_order_acq_rel);
  }
}

}  // namespace

uint64_t balancerKey(std::string_view name) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h == 0 ? 1 : h;
}

size_t BalancerTable::bytesFor(size_t balancers) {
  size_t capacity = 8;
  while (capacity < balancers * 2) {
    capacity *= 2;
  }
  return capacity * sizeof(BalancerState);
}

BalancerTable BalancerTable::format(void* memory, size_t bytes) {
  size_t capacity = 1;
  while (capacity * 2 * sizeof(BalancerState) <= bytes) {
    capacity *= 2;
  }
  auto* slots = static_cast<BalancerState*>(memory);
  return BalancerTable(slots, bytes >= sizeof(BalancerState) ? capacity : 0);
}

BalancerState* BalancerTable::findOrClaim(uint64_t key) {
  for (size_t n = 0; n < capacity_; ++n) {
    BalancerState& s = slots_[(key + n) & (capacity_ - 1)];
    uint64_t k = s.key.load(std::memory_order_acquire);
    if (k == key) {
      return &s;
    }
    if (k == 0) {
      uint64_t expected = 0;
      if (s.key.compare_exchange_strong(expected, key, std::memory_order_acq_rel) ||
          expected == key) {
        return &s;
      }
    }
  }
  return nullptr;
}

BalancerState* BalancerTable::find(uint64_t key) const {
  for (size_t n = 0; n < capacity_; ++n) {
    BalancerState& s = slots_[(key + n) & (capacity_ - 1)];
    uint64_t k = s.key.load(std::memory_order_acquire);
    if (k == key) {
      return &s;
    }
    if (k == 0) {
      return nullptr;
    }
  }
  return nullptr;
}

void requestStarted(BalancerState& b) { b.active.fetch_add(1, std::memory_order_relaxed); }
void requestEnded(BalancerState& b) { b.active.fetch_sub(1, std::memory_order_relaxed); }

bool tryRetry(BalancerState& b, const BudgetConfig& cfg) {
  int64_t active = b.active.load(std::memory_order_relaxed);
  int64_t allowed = std::max<int64_t>(active * static_cast<int64_t>(cfg.percent) / 100,
                                      static_cast<int64_t>(cfg.minConcurrent));
  // Counted first, so two processes racing for the last place cannot both take it.
  if (b.retriesActive.fetch_add(1, std::memory_order_acq_rel) >= allowed) {
    b.retriesActive.fetch_sub(1, std::memory_order_acq_rel);
    b.budgetRefusals.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  b.retries.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void retryEnded(BalancerState& b) { b.retriesActive.fetch_sub(1, std::memory_order_relaxed); }

QueueResult waitForSlot(BalancerState& b, uint32_t maxLength, int64_t timeoutMicros,
                        const common::Clock& clock, const std::function<void(int64_t)>& sleep,
                        const std::function<bool()>& reserve, int64_t* waitedMicros) {
  int64_t start = clock.nowMicros();
  *waitedMicros = 0;
  uint32_t length = std::min<uint32_t>(maxLength, kQueueSlots);
  uint32_t depth = b.depth.fetch_add(1, std::memory_order_acq_rel);
  if (depth >= length) {
    b.depth.fetch_sub(1, std::memory_order_acq_rel);
    b.queueFull.fetch_add(1, std::memory_order_relaxed);
    return QueueResult::kFull;
  }
  b.queued.fetch_add(1, std::memory_order_relaxed);
  uint64_t ticket = b.nextTicket.fetch_add(1, std::memory_order_acq_rel);
  size_t i = ticket % kQueueSlots;
  b.slotDeadline[i].store(start + timeoutMicros, std::memory_order_release);
  b.slotWord[i].store(word(ticket, kWaiting), std::memory_order_release);
  // Marks this ticket done (unless another process already did, taking it for dead).
  auto leave = [&](int64_t now) {
    uint64_t expected = word(ticket, kWaiting);
    if (b.slotWord[i].compare_exchange_strong(expected, word(ticket, kDone),
                                              std::memory_order_acq_rel)) {
      b.depth.fetch_sub(1, std::memory_order_acq_rel);
    }
    advanceHead(b, now);
    *waitedMicros = now - start;
  };
  for (;;) {
    int64_t now = clock.nowMicros();
    advanceHead(b, now);
    if (b.head.load(std::memory_order_acquire) == ticket && reserve()) {
      leave(clock.nowMicros());
      return QueueResult::kGot;
    }
    if (now >= start + timeoutMicros) {
      leave(now);
      b.queueTimeouts.fetch_add(1, std::memory_order_relaxed);
      return QueueResult::kTimedOut;
    }
    sleep(std::min<int64_t>(kPollMicros, start + timeoutMicros - now));
  }
}

}  // namespace fleet::resilience
