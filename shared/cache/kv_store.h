// The store the shared cache keeps its entries, chunks, leases and counters in: memcached in
// httpd (cache::Store), an in-memory fake in unit tests. Every method may be called from any
// thread at once; none throws, and none blocks longer than the store's own timeouts. A read says
// what happened (hit, miss, or the store failed), never just "nothing".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fleet::cache {

class KeyValueStore {
 public:
  enum class Found { kHit, kMiss, kError };

  virtual ~KeyValueStore() = default;
  virtual Found read(const std::string& key, std::string* value) = 0;
  virtual bool set(const std::string& key, const std::string& value, int64_t ttlSeconds) = 0;
  // false when the key exists (or the store failed): a lease taken by someone else.
  virtual bool add(const std::string& key, const std::string& value, int64_t ttlSeconds) = 0;
  virtual bool remove(const std::string& key) = 0;
  // The counter after adding one; a missing counter is created at `initial` (and that is
  // returned). nullopt on failure.
  virtual std::optional<uint64_t> increment(const std::string& key, uint64_t initial = 1) = 0;

  // A hit's value; nullopt for a miss and for a failure alike.
  std::optional<std::string> get(const std::string& key) {
    std::string v;
    return read(key, &v) == Found::kHit ? std::optional<std::string>(std::move(v)) : std::nullopt;
  }
};

}  // namespace fleet::cache
