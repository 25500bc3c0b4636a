// memcached as the fuzz targets need it: a map holding whatever the input (another writer) put
// there, and an increment that fails on a value that is no number, as memcached's incr does.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "shared/cache/kv_store.h"

namespace fleet::fuzz {

class FuzzStore final : public cache::KeyValueStore {
 public:
  std::map<std::string, std::string> items;
  Found read(const std::string& key, std::string* value) override {
    auto it = items.find(key);
    if (it == items.end()) {
      return Found::kMiss;
    }
    *value = it->second;
    return Found::kHit;
  }
  bool set(const std::string& key, const std::string& value, int64_t) override {
    items[key] = value;
    return true;
  }
  bool add(const std::string& key, const std::string& value, int64_t) override {
    return items.emplace(key, value).second;
  }
  bool remove(const std::string& key) override { return items.erase(key) > 0; }
  std::optional<uint64_t> increment(const std::string& key, uint64_t initial) override {
    auto it = items.find(key);
    if (it == items.end()) {
      items[key] = std::to_string(initial);
      return initial;
    }
    if (it->second.empty() || it->second.size() > 19 ||
        it->second.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    uint64_t v = std::strtoull(it->second.c_str(), nullptr, 10) + 1;
    it->second = std::to_string(v);
    return v;
  }
};

}  // namespace fleet::fuzz
