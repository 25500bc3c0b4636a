#include "shared/lb/slot_cache.h"

#include <cstdint>
#include <new>

#include "shared/lb/open_table.h"

namespace fleet::lb {

size_t SlotCache::bytesFor(size_t entries) { return tableCapacityFor(entries) * sizeof(Entry); }

SlotCache SlotCache::format(void* memory, size_t bytes) {
  size_t cap = tableCapacityIn(bytes, sizeof(Entry));
  auto* e = static_cast<Entry*>(memory);
  for (size_t i = 0; i < cap; ++i) {
    new (&e[i]) Entry();
    e[i].id.store(nullptr, std::memory_order_relaxed);
    e[i].slot.store(nullptr, std::memory_order_relaxed);
    e[i].epoch.store(0, std::memory_order_relaxed);
  }
  std::atomic_thread_fence(std::memory_order_release);
  return SlotCache(e, cap);
}

size_t SlotCache::home(const void* id) const {
  auto v = reinterpret_cast<uintptr_t>(id);
  return static_cast<size_t>((v >> 4) * 0x9e3779b97f4a7c15ULL >> 20) & (capacity_ - 1);
}

MemberSlot* SlotCache::find(const void* id, uint64_t epoch) const {
  if (capacity_ == 0 || id == nullptr) {
    return nullptr;
  }
  size_t mask = capacity_ - 1;
  for (size_t probe = 0, i = home(id); probe < capacity_; ++probe, i = (i + 1) & mask) {
    const void* k = entries_[i].id.load(std::memory_order_acquire);
    if (k == id) {
      // The epoch is stored after the slot: an entry of this epoch has this epoch's slot.
      if (entries_[i].epoch.load(std::memory_order_acquire) != epoch) {
        return nullptr;
      }
      return entries_[i].slot.load(std::memory_order_acquire);
    }
    if (k == nullptr) {
      return nullptr;
    }
  }
  return nullptr;
}

void SlotCache::insert(const void* id, MemberSlot* slot, uint64_t epoch) {
  if (capacity_ == 0 || id == nullptr) {
    return;
  }
  size_t mask = capacity_ - 1;
  for (size_t probe = 0, i = home(id); probe < capacity_; ++probe, i = (i + 1) & mask) {
    const void* expected = nullptr;
    if (entries_[i].id.compare_exchange_strong(expected, id, std::memory_order_acq_rel) ||
        expected == id) {
      entries_[i].slot.store(slot, std::memory_order_release);
      entries_[i].epoch.store(epoch, std::memory_order_release);
      return;
    }
  }
}

}  // namespace fleet::lb
