// A small per-process memory tier in front of memcached: recently used entries (with their bodies)
// by full key, least recently used out first, bounded in bytes. It never outlives an invalidation:
// the invalidation logs (invalidation.h) name each invalidated URL, and erasePrimary() drops its
// entry, its Vary manifest and every variant; a purge by tag empties the tier. Entries are still
// checked for freshness on every hit, like those from memcached. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "shared/cache/entry.h"
#include "shared/cache/policy.h"
#include "shared/cache/stored.h"

namespace fleet::cache {

struct LocalItem {
  Entry entry;       // its body inline (chunks already joined)
  size_t bytes = 0;  // what it costs the tier
  // The policy's reading of the entry, made once when it was put (for the targeted field named
  // `factsField`, CDN-Cache-Control read or not): a hit then parses nothing.
  std::shared_ptr<const StoredReading> reading;
  std::string readingField;
  bool readingCdn = false;
};

class LocalTier {
 public:
  explicit LocalTier(size_t capacityBytes) : capacity_(capacityBytes) {}

  std::shared_ptr<const LocalItem> get(const std::string& key);
  void put(const std::string& key, Entry entry,
           std::shared_ptr<const StoredReading> reading = nullptr, const Limits* limits = nullptr);
  void erase(const std::string& key);
  // Drops every entry whose primary key (the full key up to its first '\n') has this
  // primaryHash().
  void erasePrimary(uint64_t hash);
  void clear();
  size_t bytes() const;
  size_t size() const;

 private:
  struct Slot {
    std::shared_ptr<const LocalItem> item;
    std::list<std::string>::iterator lru;
    std::unordered_multimap<uint64_t, std::string>::iterator byPrimary;
  };
  void eraseLocked(std::unordered_map<std::string, Slot>::iterator it);
  size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // front = most recent
  std::unordered_map<std::string, Slot> map_;
  std::unordered_multimap<uint64_t, std::string> byPrimary_;
  size_t bytes_ = 0;
};

}  // namespace fleet::cache
