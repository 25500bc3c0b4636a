// The shared HTTP cache as one service, over a KeyValueStore (memcached), an optional per-process
// memory tier, and injected time, randomness and waiting. The glue turns each request into a
// CacheRequest and asks begin() for an exchange, then follows what the exchange says: serve a
// stored response, answer 504, go to the member (with headers to set), and, once the member's
// response begins, pass it on, store it as it streams, or replace it with a stored one.
// Thread-safe: any number of exchanges run at once on any threads; one exchange is used by one
// thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shared/cache/entry.h"
#include "shared/cache/invalidation.h"
#include "shared/cache/keys.h"
#include "shared/cache/kv_store.h"
#include "shared/cache/local_tier.h"
#include "shared/cache/policy.h"
#include "shared/cache/store.h"
#include "shared/common/clock.h"
#include "shared/common/headers.h"

namespace fleet::cache {

// The directives of the request's location.
struct CacheSettings {
  Limits limits;                               // stale defaults, statuses, targeted fields
  uint64_t maxObjectBytes = 10 * 1024 * 1024;  // FleetCacheMaxObjectSize
  int64_t lockWaitMicros = 2000000;            // FleetCacheLockWait (0: no coalescing)
  bool purge = false;                          // FleetCachePurge
  bool softPurge = false;                      // FleetCachePurgeSoft: PURGE marks stale
  int64_t hitForMissSeconds = 120;             // FleetCacheHitForMiss (0: off)
};

struct CacheRequest {
  std::string method;     // as sent ("GET", "PURGE", an extension method)
  bool headOnly = false;  // HEAD (answered from a stored GET)
  std::string scheme, host;
  int port = 0;
  std::string target;  // path and query, as sent
  common::HeaderList headers;
};

// A part of a body to send: `length` bytes of `data` from `offset`. The data stays alive as long
// as the piece does (a memory tier entry or a chunk read for this response): nothing is copied.
struct BodyPiece {
  std::shared_ptr<const std::string> data;
  size_t offset = 0, length = 0;
};

struct Answer {
  int status = 200;
  // The stored fields that go out, shared with the memory tier (never copied on a hit), then
  // the ones made for this answer (Age, Cache-Status, lengths; a PURGE reply's Content-Type).
  std::shared_ptr<const common::HeaderList> stored;
  common::HeaderList headers;
  std::vector<BodyPiece> body;
  common::HeaderList allHeaders() const;
};

class CacheExchange;

class HttpCache {
 public:
  struct Deps {
    KeyValueStore& store;
    LocalTier* tier = nullptr;         // this process's memory tier, if any
    TierFollower* follower = nullptr;  // publishes invalidations (needed with or without a tier)
    CacheShared* counters = nullptr;   // the status page's counters
    const common::Clock& wallClock;    // wall-clock microseconds (HTTP times are wall times)
    std::function<uint64_t()> random;  // thread-safe: body ids, counter starts
    std::function<void(int64_t micros)> sleep;  // a coalescing waiter's pause
  };
  static constexpr size_t kChunkBytes = 512 * 1024;  // below memcached's 1 MB item limit
  static constexpr int64_t kLockPollMicros = 20000;

  HttpCache(Deps deps, Keys keys) : d_(std::move(deps)), keys_(std::move(keys)) {}

  std::unique_ptr<CacheExchange> begin(CacheRequest request, const CacheSettings& settings);
  // The stale-while-revalidate refresh that `served` owes, as its own exchange.
  std::unique_ptr<CacheExchange> beginRefresh(const CacheExchange& served);
  // The status page's purge: "/path?query" on this scheme/host/port, or "tag:name".
  std::string purgeFromPage(const std::string& scheme, const std::string& host, int port,
                            const std::string& what);

 private:
  friend class CacheExchange;
  void count(std::atomic<uint64_t> CacheShared::*field, uint64_t n = 1) const {
    if (d_.counters != nullptr) {
      (d_.counters->*field).fetch_add(n, std::memory_order_relaxed);
    }
  }
  int64_t nowSeconds() const { return d_.wallClock.nowMicros() / 1000000; }
  // A tag's current generation, creating the counter at a random start when memcached has none.
  std::optional<uint64_t> tagGeneration(const std::string& tag);
  std::string purgeTags(const std::vector<std::string>& tags, bool soft, bool* ok);
  std::string purgeUrl(const std::string& primary, bool soft, bool* ok);

  Deps d_;
  Keys keys_;
};

}  // namespace fleet::cache
