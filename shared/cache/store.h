// The memcached store: libmemcached with a pool of connections per process (one per thread that
// needs one), ketama consistent hashing across the servers, the binary protocol, and connect/IO
// timeouts. A server that fails is skipped for a back-off period (every key it holds is a miss),
// then tried again; its state and counters live in `CacheShared` (shared memory in httpd) so
// every child agrees and a transition is reported once. No call ever throws or blocks longer
// than the timeouts: a failure is a miss.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared/cache/invalidation.h"
#include "shared/cache/kv_store.h"
#include "shared/common/clock.h"
#include "shared/common/status.h"

namespace fleet::cache {

constexpr size_t kMaxServers = 16;

struct ServerShared {
  std::atomic<int64_t> downUntil;  // monotonic micros; skipped while now < this
  std::atomic<uint32_t> down;      // 1 after a failure until the next success
  std::atomic<uint64_t> errors;
  std::atomic<uint64_t> ops;
  std::atomic<int64_t> latencyMicros;  // last successful operation
};

// Counters for the status page, in shared memory.
struct CacheShared {
  std::atomic<uint64_t> hits, misses, staleServed, revalidated, coalesced, stores, storeFailures,
      bytesStored, bytesServed, purges, uncacheable, hitForMiss;
  InvalidationRing invalidations;  // this server's invalidations, for its children's memory tiers
  ServerShared servers[kMaxServers];
};

struct StoreConfig {
  std::vector<std::pair<std::string, int>> servers;  // host, port
  int64_t connectTimeoutMicros = 50000;
  int64_t ioTimeoutMicros = 100000;
  int64_t backoffMicros = 5000000;
};

// "host:port host:port" (port default 11211); an error names the bad item.
common::Result<std::vector<std::pair<std::string, int>>> parseServers(const std::string& text);

class Store final : public KeyValueStore {
 public:
  // `report(serverIndex, down, detail)` is called once per up/down transition (by the process
  // that saw it first).
  using Report = std::function<void(size_t, bool, const std::string&)>;
  static common::Result<std::unique_ptr<Store>> create(const StoreConfig& cfg, CacheShared* shared,
                                                       const common::Clock& clock, Report report);
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Found read(const std::string& key, std::string* value) override;
  bool set(const std::string& key, const std::string& value, int64_t ttlSeconds) override;
  bool add(const std::string& key, const std::string& value, int64_t ttlSeconds) override;
  bool remove(const std::string& key) override;
  std::optional<uint64_t> increment(const std::string& key, uint64_t initial = 1) override;
  const StoreConfig& config() const { return cfg_; }
  std::string serverName(size_t i) const;

 private:
  struct Impl;
  Store(const StoreConfig& cfg, CacheShared* shared, const common::Clock& clock, Report report);
  StoreConfig cfg_;
  CacheShared* shared_;
  const common::Clock& clock_;
  Report report_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleet::cache
