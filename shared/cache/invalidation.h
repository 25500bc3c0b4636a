// Which URLs were invalidated (an unsafe request, a purge) since a memory tier last looked, so
// each tier drops exactly those entries: a client repeating a POST no longer empties every tier
// of the fleet. Two logs of the same shape carry it: a ring in shared memory for this server's
// children (seen on their next lookup) and one in memcached for the fleet's other servers (polled).
// An entry names a URL by primaryHash(); the hash 0 means "everything" (a purge by tag). A reader
// that fell a whole ring behind, or finds a slot being rewritten, empties its tier instead: it
// cannot know what it missed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/cache/keys.h"
#include "shared/cache/kv_store.h"

namespace fleet::cache {

constexpr uint64_t kEverything = 0;
constexpr uint64_t kLogSlots = 256;

// A URL's primary key as the logs name it: 64 bits of its SHA-256, never 0.
uint64_t primaryHash(std::string_view primaryKey);

// Called with each invalidated hash in order; a false return from follow() means "empty the
// whole tier" (also when kEverything was logged).
using Drop = std::function<void(uint64_t hash)>;

// In shared memory (zeroed at creation); any process may publish and follow at once.
struct InvalidationRing {
  std::atomic<uint64_t> seq;  // the last entry written
  std::atomic<uint64_t> slotSeq[kLogSlots];
  std::atomic<uint64_t> slotHash[kLogSlots];
};
void publish(InvalidationRing& ring, uint64_t hash);
// Applies the entries after *seen and moves *seen to the last; false: empty everything.
bool follow(const InvalidationRing& ring, uint64_t* seen, const Drop& drop);
uint64_t lastSeq(const InvalidationRing& ring);

// Where a counter that memcached does not have (new, or evicted) starts: a random value, so a
// counter that was evicted and begins again never lands where a reader last saw the old one.
using StartValue = std::function<uint64_t()>;

// The memcached log: a counter and kLogSlots slots "seq hash" (keys.h names them).
class InvalidationLog {
 public:
  InvalidationLog(KeyValueStore& store, Keys keys, StartValue start)
      : store_(store), keys_(std::move(keys)), start_(std::move(start)) {}
  bool publish(uint64_t hash);
  // nullopt: the store did not answer (the caller empties its tier; it cannot tell).
  std::optional<uint64_t> head();
  bool follow(uint64_t* seen, uint64_t head, const Drop& drop);

 private:
  KeyValueStore& store_;
  Keys keys_;
  StartValue start_;
};

class LocalTier;

// One process's memory tier kept in step with both logs: invalidations made here are published
// to both; those made elsewhere are applied on the request path (the shared-memory ring, a load
// and a compare when nothing changed) and by a poller thread (the memcached log).
class TierFollower {
 public:
  // `ring` may be null (no shared memory): then only the memcached log is used.
  TierFollower(LocalTier& tier, InvalidationRing* ring, KeyValueStore& store, const Keys& keys,
               StartValue start);
  // Drops these URLs (primary keys) from every tier of the fleet.
  void invalidate(const std::vector<std::string>& primaryKeys);
  // Empties every tier of the fleet (a purge by tag).
  void invalidateEverything();
  // Request path: applies what this server's other processes invalidated.
  void followRing();
  // The poller: applies what the fleet's other servers invalidated; a store that does not
  // answer empties the tier (whether anything was purged cannot be told).
  void pollStore();

 private:
  LocalTier& tier_;
  InvalidationRing* ring_;
  InvalidationLog log_;
  std::mutex ringMu_, logMu_;  // one follower at a time per log
  std::atomic<uint64_t> ringSeen_{0};
  uint64_t logSeen_ = 0;
  bool logKnown_ = false;
};

}  // namespace fleet::cache
