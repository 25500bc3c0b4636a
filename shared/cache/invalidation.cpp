#include "shared/cache/invalidation.h"

#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

#include "shared/cache/local_tier.h"

namespace fleet::cache {

uint64_t primaryHash(std::string_view primaryKey) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(primaryKey.data()), primaryKey.size(), md);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) {
    h = (h << 8) | md[i];
  }
  return h == kEverything ? 1 : h;
}

void publish(InvalidationRing& ring, uint64_t hash) {
  uint64_t s = ring.seq.fetch_add(1, std::memory_order_acq_rel) + 1;
  size_t i = s % kLogSlots;
  ring.slotSeq[i].store(0, std::memory_order_release);  // being written
  ring.slotHash[i].store(hash, std::memory_order_release);
  ring.slotSeq[i].store(s, std::memory_order_release);
}

uint64_t lastSeq(const InvalidationRing& ring) { return ring.seq.load(std::memory_order_acquire); }

bool follow(const InvalidationRing& ring, uint64_t* seen, const Drop& drop) {
  uint64_t head = ring.seq.load(std::memory_order_acquire);
  if (head == *seen) {
    return true;
  }
  uint64_t from = *seen;
  *seen = head;
  if (head < from || head - from > kLogSlots) {
    return false;
  }
  for (uint64_t s = from + 1; s <= head; ++s) {
    size_t i = s % kLogSlots;
    if (ring.slotSeq[i].load(std::memory_order_acquire) != s) {
      return false;  // lapped or unfinished
    }
    uint64_t hash = ring.slotHash[i].load(std::memory_order_acquire);
    if (ring.slotSeq[i].load(std::memory_order_acquire) != s || hash == kEverything) {
      return false;
    }
    drop(hash);
  }
  return true;
}

bool InvalidationLog::publish(uint64_t hash) {
  std::optional<uint64_t> s = store_.increment(keys_.logHead(), start_() | 1);
  if (!s) {
    return false;
  }
  char value[48];
  std::snprintf(value, sizeof value, "%llu %llu", static_cast<unsigned long long>(*s),
                static_cast<unsigned long long>(hash));
  return store_.set(keys_.logSlot(*s), value, 0);
}

std::optional<uint64_t> InvalidationLog::head() {
  std::string v;
  switch (store_.read(keys_.logHead(), &v)) {
    case KeyValueStore::Found::kHit:
      return std::strtoull(v.c_str(), nullptr, 10);
    case KeyValueStore::Found::kMiss:
      return 0;
    case KeyValueStore::Found::kError:
      break;
  }
  return std::nullopt;
}

bool InvalidationLog::follow(uint64_t* seen, uint64_t head, const Drop& drop) {
  if (head == *seen) {
    return true;
  }
  uint64_t from = *seen;
  *seen = head;
  // Behind by more than the log holds, or the counter was evicted and began again.
  if (head < from || head - from > kLogSlots) {
    return false;
  }
  for (uint64_t s = from + 1; s <= head; ++s) {
    std::string v;
    if (store_.read(keys_.logSlot(s), &v) != KeyValueStore::Found::kHit) {
      return false;
    }
    char* end = nullptr;
    uint64_t got = std::strtoull(v.c_str(), &end, 10);
    if (got != s || end == nullptr || *end != ' ') {
      return false;  // not written yet, or lapped
    }
    uint64_t hash = std::strtoull(end + 1, nullptr, 10);
    if (hash == kEverything) {
      return false;
    }
    drop(hash);
  }
  return true;
}

TierFollower::TierFollower(LocalTier& tier, InvalidationRing* ring, KeyValueStore& store,
                           const Keys& keys, StartValue start)
    : tier_(tier), ring_(ring), log_(store, keys, std::move(start)) {
  if (ring_ != nullptr) {
    ringSeen_.store(lastSeq(*ring_));
  }
  if (std::optional<uint64_t> head = log_.head()) {
    logSeen_ = *head;
    logKnown_ = true;
  }
}

void TierFollower::invalidate(const std::vector<std::string>& primaryKeys) {
  for (const std::string& k : primaryKeys) {
    uint64_t h = primaryHash(k);
    tier_.erasePrimary(h);
    if (ring_ != nullptr) {
      publish(*ring_, h);
    }
    log_.publish(h);
  }
}

void TierFollower::invalidateEverything() {
  tier_.clear();
  if (ring_ != nullptr) {
    publish(*ring_, kEverything);
  }
  log_.publish(kEverything);
}

void TierFollower::followRing() {
  // The common case, nothing new, costs two loads and no lock.
  if (ring_ == nullptr || lastSeq(*ring_) == ringSeen_.load(std::memory_order_acquire)) {
    return;
  }
  std::lock_guard<std::mutex> lock(ringMu_);
  uint64_t seen = ringSeen_.load(std::memory_order_relaxed);
  bool known = follow(*ring_, &seen, [this](uint64_t h) { tier_.erasePrimary(h); });
  if (!known) {
    tier_.clear();
  }
  ringSeen_.store(seen, std::memory_order_release);
}

void TierFollower::pollStore() {
  std::lock_guard<std::mutex> lock(logMu_);
  std::optional<uint64_t> head = log_.head();
  if (!head) {
    tier_.clear();
    logKnown_ = false;
    return;
  }
  if (!logKnown_) {  // back after a failure: whatever happened meanwhile is unknown
    tier_.clear();
    logSeen_ = *head;
    logKnown_ = true;
    return;
  }
  if (!log_.follow(&logSeen_, *head, [this](uint64_t h) { tier_.erasePrimary(h); })) {
    tier_.clear();
  }
}

}  // namespace fleet::cache
