#include "shared/lb/member_table.h"

#include <new>
#include <string>

#include "shared/lb/open_table.h"

namespace fleet::lb {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

size_t capacityFor(size_t bytes) { return tableCapacityIn(bytes, sizeof(MemberSlot)); }

}  // namespace

bool tryReserveSlot(MemberSlot& s) {
  int64_t limit = s.maxConn.load(std::memory_order_relaxed);
  if (limit <= 0) {
    s.inflight.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  int64_t now = s.inflight.load(std::memory_order_relaxed);
  while (now < limit) {
    if (s.inflight.compare_exchange_weak(now, now + 1, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

uint64_t memberKey(std::string_view balancer, std::string_view member) {
  // Length-prefixing keeps ("ab","c") and ("a","bc") apart.
  uint64_t h = fnv1a(kFnvOffset, std::to_string(balancer.size()));
  h = fnv1a(h, ":");
  h = fnv1a(h, balancer);
  h = fnv1a(h, member);
  return h == 0 ? 1 : h;
}

size_t MemberTable::bytesFor(size_t members) {
  return tableCapacityFor(members) * sizeof(MemberSlot);
}

MemberTable MemberTable::format(void* memory, size_t bytes) {
  size_t cap = capacityFor(bytes);
  auto* slots = static_cast<MemberSlot*>(memory);
  for (size_t i = 0; i < cap; ++i) {
    new (&slots[i]) MemberSlot();
    slots[i].key.store(0, std::memory_order_relaxed);
    slots[i].inflight.store(0, std::memory_order_relaxed);
    slots[i].requests.store(0, std::memory_order_relaxed);
    slots[i].latency.store(0, std::memory_order_relaxed);
    slots[i].failures.store(0, std::memory_order_relaxed);
    slots[i].ejectedUntil.store(0, std::memory_order_relaxed);
    slots[i].usableSince.store(0, std::memory_order_relaxed);
    slots[i].consecutiveFailures.store(0, std::memory_order_relaxed);
    slots[i].ejections.store(0, std::memory_order_relaxed);
    slots[i].wasUsable.store(0, std::memory_order_relaxed);
    slots[i].slowStartMicros.store(0, std::memory_order_relaxed);
  }
  std::atomic_thread_fence(std::memory_order_release);
  return MemberTable(slots, cap);
}

MemberTable MemberTable::attach(void* memory, size_t bytes) {
  return MemberTable(static_cast<MemberSlot*>(memory), capacityFor(bytes));
}

MemberSlot* MemberTable::findOrClaim(uint64_t key) {
  if (capacity_ == 0 || key == 0) {
    return nullptr;
  }
  size_t mask = capacity_ - 1;
  for (size_t probe = 0; probe < capacity_; ++probe) {
    MemberSlot& s = slots_[(key + probe) & mask];
    uint64_t k = s.key.load(std::memory_order_acquire);
    if (k == key) {
      return &s;
    }
    if (k == 0) {
      uint64_t expected = 0;
      if (s.key.compare_exchange_strong(expected, key, std::memory_order_acq_rel)) {
        return &s;
      }
      if (expected == key) {
        return &s;  // another thread claimed it for the same member
      }
    }
  }
  return nullptr;
}

MemberSlot* MemberTable::find(uint64_t key) const {
  if (capacity_ == 0 || key == 0) {
    return nullptr;
  }
  size_t mask = capacity_ - 1;
  for (size_t probe = 0; probe < capacity_; ++probe) {
    MemberSlot& s = slots_[(key + probe) & mask];
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

size_t MemberTable::used() const {
  size_t n = 0;
  for (size_t i = 0; i < capacity_; ++i) {
    if (slots_[i].key.load(std::memory_order_relaxed) != 0) {
      ++n;
    }
  }
  return n;
}

}  // namespace fleet::lb
