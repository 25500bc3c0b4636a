// A small per-process memory tier in front of memcached: recently used entries (with their bodies)
// by full key, least recently used out first, bounded in bytes. It never outlives a purge: every
// purge or invalidation anywhere in the fleet bumps an epoch counter in memcached, each process
// polls it (every 50 ms in httpd), and a new epoch empties the tier. Entries are still checked
// for freshness on every hit, like those from memcached. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "shared/cache/entry.h"

namespace fleet::cache {

struct LocalItem {
  Entry entry;       // its body inline (chunks already joined)
  size_t bytes = 0;  // what it costs the tier
};

class LocalTier {
 public:
  explicit LocalTier(size_t capacityBytes) : capacity_(capacityBytes) {}

  std::shared_ptr<const LocalItem> get(const std::string& key);
  void put(const std::string& key, Entry entry);
  void erase(const std::string& key);
  // A purge epoch seen in memcached; a different one than last time empties the tier.
  void syncEpoch(uint64_t epoch);
  void clear();
  size_t bytes() const;
  size_t size() const;

 private:
  struct Slot {
    std::shared_ptr<const LocalItem> item;
    std::list<std::string>::iterator lru;
  };
  size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // front = most recent
  std::unordered_map<std::string, Slot> map_;
  size_t bytes_ = 0;
  uint64_t epoch_ = 0;
  bool epochKnown_ = false;
};

}  // namespace fleet::cache
