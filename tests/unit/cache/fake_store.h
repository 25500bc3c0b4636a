// An in-memory KeyValueStore for unit tests: a map, with TTLs against a manual clock, and a switch
// that makes every call fail as a dead memcached would. Thread-safe like the real one.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "shared/cache/kv_store.h"

namespace fleet::cache::testing {

class FakeStore final : public KeyValueStore {
 public:
  // Seconds on the store's own clock (for TTLs); tests move it.
  int64_t now = 0;
  bool down = false;
  uint64_t ops = 0;

  Found read(const std::string& key, std::string* value) override {
    std::lock_guard<std::mutex> l(mu_);
    ++ops;
    if (down) {
      return Found::kError;
    }
    auto it = items_.find(key);
    if (it == items_.end() || expired(it->second)) {
      return Found::kMiss;
    }
    *value = it->second.value;
    return Found::kHit;
  }
  bool set(const std::string& key, const std::string& value, int64_t ttl) override {
    std::lock_guard<std::mutex> l(mu_);
    ++ops;
    if (down) {
      return false;
    }
    items_[key] = Item{value, ttl > 0 ? now + ttl : 0};
    return true;
  }
  bool add(const std::string& key, const std::string& value, int64_t ttl) override {
    std::lock_guard<std::mutex> l(mu_);
    ++ops;
    if (down) {
      return false;
    }
    auto it = items_.find(key);
    if (it != items_.end() && !expired(it->second)) {
      return false;
    }
    items_[key] = Item{value, ttl > 0 ? now + ttl : 0};
    return true;
  }
  bool remove(const std::string& key) override {
    std::lock_guard<std::mutex> l(mu_);
    ++ops;
    if (down) {
      return false;
    }
    items_.erase(key);
    return true;
  }
  std::optional<uint64_t> increment(const std::string& key, uint64_t initial = 1) override {
    std::lock_guard<std::mutex> l(mu_);
    ++ops;
    if (down) {
      return std::nullopt;
    }
    auto it = items_.find(key);
    uint64_t v =
        (it == items_.end() || expired(it->second)) ? initial : std::stoull(it->second.value) + 1;
    items_[key] = Item{std::to_string(v), it == items_.end() ? 0 : it->second.expires};
    return v;
  }
  // As memcached evicting a key under memory pressure.
  void evict(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    items_.erase(key);
  }
  bool has(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = items_.find(key);
    return it != items_.end() && !expired(it->second);
  }

 private:
  struct Item {
    std::string value;
    int64_t expires = 0;  // 0: never
  };
  bool expired(const Item& i) const { return i.expires != 0 && now >= i.expires; }
  std::mutex mu_;
  std::map<std::string, Item> items_;
};

}  // namespace fleet::cache::testing
