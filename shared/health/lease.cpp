#include "shared/health/lease.h"

namespace fleet::health {
namespace {

// [ pid : 22 bits | generation : 10 bits | heartbeat : 32 bits of milliseconds ]
constexpr uint64_t kPidBits = 22, kGenBits = 10;

uint64_t pack(LeaseOwner o, int64_t nowMicros) {
  uint64_t id = (static_cast<uint64_t>(o.pid) & ((1u << kPidBits) - 1)) |
                ((static_cast<uint64_t>(o.generation) & ((1u << kGenBits) - 1)) << kPidBits);
  return (id << 32) | static_cast<uint32_t>(nowMicros / 1000);
}

uint32_t ownerBits(LeaseOwner o) { return static_cast<uint32_t>(pack(o, 0) >> 32); }

}  // namespace

LeaseOwner Lease::holder(uint64_t word) {
  uint32_t id = static_cast<uint32_t>(word >> 32);
  LeaseOwner o;
  o.pid = id & ((1u << kPidBits) - 1);
  o.generation = id >> kPidBits;
  return o;
}

int64_t Lease::ageMicros(uint64_t word, int64_t nowMicros) {
  int32_t ms = static_cast<int32_t>(static_cast<uint32_t>(nowMicros / 1000) -
                                    static_cast<uint32_t>(word & 0xffffffffu));
  return static_cast<int64_t>(ms) * 1000;
}

bool Lease::tryHold(std::atomic<uint64_t>& word, LeaseOwner me, int64_t nowMicros,
                    int64_t staleMicros) {
  uint64_t old = word.load(std::memory_order_acquire);
  for (;;) {
    LeaseOwner h = holder(old);
    bool mine = static_cast<uint32_t>(old >> 32) == ownerBits(me);
    uint32_t myGen = me.generation & ((1u << kGenBits) - 1);
    bool takeable = old == 0 || h.pid == 0 || ageMicros(old, nowMicros) > staleMicros ||
                    static_cast<uint32_t>((myGen - h.generation) & ((1u << kGenBits) - 1)) - 1 <
                        (1u << (kGenBits - 1));  // a newer generation (mod 1024) than the holder's
    if (!mine && !takeable) {
      return false;
    }
    if (word.compare_exchange_weak(old, pack(me, nowMicros), std::memory_order_acq_rel)) {
      return true;
    }
  }
}

void Lease::release(std::atomic<uint64_t>& word, LeaseOwner me) {
  uint64_t old = word.load(std::memory_order_acquire);
  while (static_cast<uint32_t>(old >> 32) == ownerBits(me)) {
    if (word.compare_exchange_weak(old, 0, std::memory_order_acq_rel)) {
      return;
    }
  }
}

}  // namespace fleet::health
