// Exactly one health checker across all child processes: a lease in shared memory. Owner (pid and
// server generation) and heartbeat share one 64-bit atomic word, so taking over a stale lease is a
// single CAS and two processes can never both believe they hold it. The holder renews it on
// every tick; another child takes it over once the heartbeat is older than `staleMicros` (about a
// second), and a newer server generation takes it from an older one at once (graceful restart).
#pragma once

#include <atomic>
#include <cstdint>

namespace fleet::health {

struct LeaseOwner {
  uint32_t pid = 0;
  uint32_t generation = 0;
  bool operator==(const LeaseOwner& o) const { return pid == o.pid && generation == o.generation; }
};

class Lease {
 public:
  // True when `me` holds the lease after this call (renewed, or taken because free or stale).
  static bool tryHold(std::atomic<uint64_t>& word, LeaseOwner me, int64_t nowMicros,
                      int64_t staleMicros);
  // Gives the lease up if `me` holds it (a stopping checker), so another child takes over at once.
  static void release(std::atomic<uint64_t>& word, LeaseOwner me);
  // Who holds it (pid 0 = nobody) and the age of its heartbeat, for the status page.
  static LeaseOwner holder(uint64_t word);
  static int64_t ageMicros(uint64_t word, int64_t nowMicros);
};

}  // namespace fleet::health
