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
    std::atomic<uint64_t> epoch;  // the rename epoch slot was found in
  };

  static size_t bytesFor(size_t entries);
  // Formats memory (suitably aligned) as an empty cache.
  static SlotCache format(void* memory, size_t bytes);

  // The cached slot, or nullptr (absent, being inserted by another thread right now, or cached
  // in another epoch). The epoch changes when a member's name changes under the same id (a worker
  // slot given to another address), so every process looks each member's slot up again once.
  MemberSlot* find(const void* id, uint64_t epoch = 0) const;
  // Remembers id -> slot (replacing what id had); silently does nothing when the cache is full.
  void insert(const void* id, MemberSlot* slot, uint64_t epoch = 0);
  size_t capacity() const { return capacity_; }

 private:
  SlotCache(Entry* entries, size_t capacity) : entries_(entries), capacity_(capacity) {}
  size_t home(const void* id) const;
  Entry* entries_;
  size_t capacity_;  // a power of two
};

}  // namespace fleet::lb
