// A per-process, lock-free map from an identity pointer (httpd's per-member shared struct) to the
// member's MemberSlot, so the finder does not rehash member names for every candidate of every
// request. Fixed capacity, insert-only; any thread may call find/insert concurrently.
#pragma once

#include <atomic>
#include <cstddef>

#include "shared/lb/member_table.h"

namespace fleet::lb {

class SlotCache {
 public:
  struct Entry {
    std::atomic<const void*> id;
    std::atomic<MemberSlot*> slot;
  };

  static size_t bytesFor(size_t entries);
  // Formats memory (suitably aligned) as an empty cache.
  static SlotCache format(void* memory, size_t bytes);

  // The cached slot, or nullptr (absent, or being inserted by another thread right now).
  MemberSlot* find(const void* id) const;
  // Remembers id -> slot; silently does nothing when the cache is full.
  void insert(const void* id, MemberSlot* slot);
  size_t capacity() const { return capacity_; }

 private:
  SlotCache(Entry* entries, size_t capacity) : entries_(entries), capacity_(capacity) {}
  size_t home(const void* id) const;
  Entry* entries_;
  size_t capacity_;  // a power of two
};

}  // namespace fleet::lb
