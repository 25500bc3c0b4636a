#include "shared/cache/local_tier.h"

namespace fleet::cache {

std::shared_ptr<const LocalItem> LocalTier::get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.item;
}

void LocalTier::put(const std::string& key, Entry entry) {
  auto item = std::make_shared<LocalItem>();
  item->bytes = key.size() + entry.body.size() + 256;
  for (const auto& [k, v] : entry.headers) item->bytes += k.size() + v.size() + 32;
  item->entry = std::move(entry);
  std::lock_guard<std::mutex> lock(mu_);
  if (item->bytes > capacity_ / 8) return;  // one object never takes over the tier
  auto it = map_.find(key);
  if (it != map_.end()) {
    bytes_ -= it->second.item->bytes;
    lru_.erase(it->second.lru);
    map_.erase(it);
  }
  lru_.push_front(key);
  bytes_ += item->bytes;
  map_[key] = Slot{std::move(item), lru_.begin()};
  while (bytes_ > capacity_ && !lru_.empty()) {
    auto victim = map_.find(lru_.back());
    bytes_ -= victim->second.item->bytes;
    map_.erase(victim);
    lru_.pop_back();
  }
}

void LocalTier::erase(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return;
  bytes_ -= it->second.item->bytes;
  lru_.erase(it->second.lru);
  map_.erase(it);
}

void LocalTier::syncEpoch(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  if (epochKnown_ && epoch == epoch_) return;
  epoch_ = epoch;
  epochKnown_ = true;
  map_.clear();
  lru_.clear();
  bytes_ = 0;
}

void LocalTier::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  map_.clear();
  lru_.clear();
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
