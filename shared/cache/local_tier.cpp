#include "shared/cache/local_tier.h"

#include "shared/cache/invalidation.h"

namespace fleet::cache {

void LocalTier::eraseLocked(std::unordered_map<std::string, Slot>::iterator it) {
  bytes_ -= it->second.item->bytes;
  lru_.erase(it->second.lru);
  byPrimary_.erase(it->second.byPrimary);
  map_.erase(it);
}

std::shared_ptr<const LocalItem> LocalTier::get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) {
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.item;
}

void LocalTier::put(const std::string& key, Entry entry,
                    std::shared_ptr<const StoredReading> reading, const Limits* limits) {
  auto item = std::make_shared<LocalItem>();
  if (reading != nullptr && limits != nullptr) {
    item->reading = std::move(reading);
    item->readingField = std::string(limits->targetedField);
    item->readingCdn = limits->cdnCacheControl;
  }
  item->bytes = key.size() + entry.body.size() + 256;
  for (const auto& [k, v] : entry.headers) {
    item->bytes += k.size() + v.size() + 32;
  }
  item->entry = std::move(entry);
  uint64_t primary = primaryHash(std::string_view(key).substr(0, key.find('\n')));
  std::lock_guard<std::mutex> lock(mu_);
  if (item->bytes > capacity_ / 8) {
    return;  // one object never takes over the tier
  }
  auto it = map_.find(key);
  if (it != map_.end()) {
    eraseLocked(it);
  }
  lru_.push_front(key);
  bytes_ += item->bytes;
  map_[key] = Slot{std::move(item), lru_.begin(), byPrimary_.emplace(primary, key)};
  while (bytes_ > capacity_ && !lru_.empty()) {
    eraseLocked(map_.find(lru_.back()));
  }
}

void LocalTier::erase(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end()) {
    eraseLocked(it);
  }
}

void LocalTier::erasePrimary(uint64_t hash) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto range = byPrimary_.equal_range(hash); range.first != range.second;
       range = byPrimary_.equal_range(hash)) {
    eraseLocked(map_.find(range.first->second));
  }
}

void LocalTier::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  map_.clear();
  lru_.clear();
  byPrimary_.clear();
  bytes_ = 0;
}

size_t LocalTier::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t LocalTier::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

}  // namespace fleet::cache
