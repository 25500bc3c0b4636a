// Per-member state shared by every child process: a fixed-size open-addressing table laid out in
// memory the caller provides (shared memory in httpd, a heap buffer in tests). Slots are claimed
// with a CAS on their key and never freed within a server generation; every field is a lock-free
// atomic, so any thread of any process may read or update any slot at any time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "shared/health/record.h"

namespace fleet::lb {

struct alignas(64) MemberSlot {
  std::atomic<uint64_t> key;          // 0 = free; else memberKey(balancer, member)
  std::atomic<int64_t> inflight;      // requests sent and not yet finished
  std::atomic<uint64_t> requests;     // requests ever sent through our accounting
  std::atomic<uint64_t> latency;      // PeakEwma word; 0 = no sample
  std::atomic<uint64_t> failures;     // error answers ever (5xx, 429, gateway failures)
  std::atomic<int64_t> ejectedUntil;  // monotonic micros; ejected while now < this
  std::atomic<int64_t> usableSince;   // monotonic micros the member became usable; 0 = long ago
  std::atomic<uint32_t> consecutiveFailures;
  std::atomic<uint32_t> ejections;  // recent ejections: each doubles the next one's length
  std::atomic<uint32_t> wasUsable;  // as the last finder saw it (slow start edge detection)
  std::atomic<int64_t>
      slowStartMicros;            // BalancerMember slowstart=: 0 = the balancer's FleetSlowStart
  std::atomic<int64_t> maxConn;   // BalancerMember maxconn=: in-flight limit, 0 = none
  std::atomic<uint64_t> retries;  // requests sent on to another member after it failed
  std::atomic<uint64_t> retryRefusals;  // ... that the retry budget kept from another member
  std::atomic<int64_t> discoveredAt;    // unix micros DNS brought it in; 0: configured
  std::atomic<uint32_t> discoveredBy;   // the FleetDiscover line (1-based) that made it; 0: none
  std::atomic<int64_t> reusedAt;        // unix micros its worker slot was given to it; 0: never
  health::HealthRecord health;          // what the active health checker saw
};
static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "shared memory needs address-free atomics");
static_assert(std::atomic<int64_t>::is_always_lock_free,
              "shared memory needs address-free atomics");

// Counts one more request in flight on the member unless that would pass its maxconn= limit
// (across processes: a CAS on the shared counter); false, and nothing counted, at the limit.
bool tryReserveSlot(MemberSlot& s);

// A stable, never-zero key for a member of a balancer, from their names.
uint64_t memberKey(std::string_view balancer, std::string_view member);

class MemberTable {
 public:
  // Bytes needed for room for `members` members (the table keeps load below one half).
  static size_t bytesFor(size_t members);

  // Formats `bytes` of zeroed or reused memory as an empty table. Call once, before any sharing.
  static MemberTable format(void* memory, size_t bytes);
  // Views memory already formatted (e.g. inherited through fork).
  static MemberTable attach(void* memory, size_t bytes);

  // The slot for key, claiming a free one if needed; nullptr when the table is full.
  MemberSlot* findOrClaim(uint64_t key);
  // The slot for key, or nullptr if it was never claimed.
  MemberSlot* find(uint64_t key) const;
  size_t capacity() const { return capacity_; }
  size_t used() const;
  // Slot i of the table, used or not (i < capacity()); for walking the whole table.
  const MemberSlot& slotAt(size_t i) const { return slots_[i]; }

 private:
  MemberTable(MemberSlot* slots, size_t capacity) : slots_(slots), capacity_(capacity) {}
  MemberSlot* slots_;
  size_t capacity_;  // a power of two
};

}  // namespace fleet::lb
