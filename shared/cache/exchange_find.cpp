// Where an exchange finds its stored response: the child's memory tier, else memcached (the
// primary entry, then the variant its Vary names), checked against purges and soft purges.
#include <algorithm>

#include "shared/cache/exchange.h"
#include "shared/cache/stored.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

std::map<std::string, std::string> varyValues(const common::HeaderList& headers,
                                              const std::vector<std::string>& names) {
  std::map<std::string, std::string> out;
  for (const std::string& n : names) {
    bool present = std::any_of(headers.begin(), headers.end(),
                               [&](const auto& kv) { return common::sameFieldName(kv.first, n); });
    if (present) {
      out[n] = common::combinedField(headers, n);
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<const StoredReading> CacheExchange::readingOf(const Entry& e) const {
  return std::make_shared<const StoredReading>(readStored(e, settings_.limits));
}

void CacheExchange::putInTier(const std::string& key, const Entry& e,
                              std::shared_ptr<const StoredReading> reading) {
  if (cache_.d_.tier == nullptr) {
    return;
  }
  if (reading == nullptr && e.kind == Entry::Kind::kResponse) {
    reading = readingOf(e);
  }
  cache_.d_.tier->put(key, e, std::move(reading), &settings_.limits);
}

std::optional<Entry> CacheExchange::fetch(const std::string& fullKey) {
  std::optional<std::string> v = cache_.d_.store.get(cache_.keys_.entry(fullKey));
  if (!v) {
    return std::nullopt;
  }
  common::Result<Entry> e = decodeEntry(*v, fullKey);
  if (!e.isOk()) {
    return std::nullopt;
  }
  return std::move(e.value());
}

// Tags purged since the entry was stored make it a miss; one soft purge makes it stale.
CacheExchange::Found CacheExchange::checked(std::shared_ptr<const Entry> e,
                                            int64_t manifestStaleSince) {
  Found f;
  for (const auto& [tag, gen] : e->tags) {
    // A counter memcached no longer has is newer than anything stored: evicted after a purge,
    // it must not make the purged entries valid again.
    std::optional<std::string> now = cache_.d_.store.get(cache_.keys_.tag(tag));
    uint64_t current = now ? std::strtoull(now->c_str(), nullptr, 10) : 0;
    if (now && current == gen) {
      continue;
    }
    if (now && current == gen + 1 && cache_.d_.store.get(cache_.keys_.softTag(tag, current))) {
      f.softPurged = true;
      continue;
    }
    return Found();
  }
  f.softPurged |= std::max(e->staleSince, manifestStaleSince) >= e->responseTime &&
                  std::max(e->staleSince, manifestStaleSince) > 0;
  f.kind = Found::Kind::kResponse;
  f.entry = std::move(e);
  return f;
}

CacheExchange::Found CacheExchange::find(bool useTier) {
  fullKey_ = primary_;
  LocalTier* tier = useTier ? cache_.d_.tier : nullptr;
  if (tier != nullptr) {
    if (cache_.d_.follower != nullptr) {
      cache_.d_.follower->followRing();
    }
    std::shared_ptr<const LocalItem> item = tier->get(primary_);
    int64_t manifestStale = 0;
    if (item && item->entry.kind == Entry::Kind::kVaryManifest) {
      manifestStale = item->entry.staleSince;
      manifestStaleSince_ = manifestStale;
      fullKey_ = variantKey(primary_, item->entry.vary, varyValues(req_.headers, item->entry.vary));
      item = tier->get(fullKey_);
    }
    if (item && item->entry.kind == Entry::Kind::kHitForMiss &&
        item->entry.responseTime + settings_.hitForMissSeconds > cache_.nowSeconds()) {
      Found f;
      f.kind = Found::Kind::kHitForMiss;
      return f;
    }
    if (item && item->entry.kind == Entry::Kind::kResponse) {
      Found f;
      f.kind = Found::Kind::kResponse;
      f.entry = std::shared_ptr<const Entry>(item, &item->entry);
      bool sameReading = item->reading != nullptr &&
                         item->readingField == settings_.limits.targetedField &&
                         item->readingCdn == settings_.limits.cdnCacheControl;
      f.reading = sameReading ? item->reading : readingOf(item->entry);
      f.fromTier = true;
      f.softPurged = std::max(item->entry.staleSince, manifestStale) >= item->entry.responseTime &&
                     std::max(item->entry.staleSince, manifestStale) > 0;
      return f;
    }
    fullKey_ = primary_;
  }
  std::optional<Entry> e = fetch(primary_);
  int64_t manifestStale = 0;
  if (e && e->kind == Entry::Kind::kVaryManifest) {
    putInTier(primary_, *e);
    manifestStale = e->staleSince;
    manifestStaleSince_ = manifestStale;
    fullKey_ = variantKey(primary_, e->vary, varyValues(req_.headers, e->vary));
    e = fetch(fullKey_);
    if (!e) {
      fwd_ = "vary-miss";
    }
  }
  if (!e) {
    return Found();
  }
  if (e->kind == Entry::Kind::kHitForMiss) {
    if (e->responseTime + settings_.hitForMissSeconds <= cache_.nowSeconds()) {
      return Found();
    }
    putInTier(fullKey_, *e);
    Found f;
    f.kind = Found::Kind::kHitForMiss;
    return f;
  }
  if (e->kind != Entry::Kind::kResponse) {
    return Found();
  }
  auto shared = std::make_shared<const Entry>(std::move(*e));
  Found f = checked(shared, manifestStale);
  if (f.kind != Found::Kind::kResponse) {
    return f;
  }
  f.reading = readingOf(*shared);
  // Small entries go to the memory tier as they are in memcached (chunked ones stay out).
  if (shared->chunkCount == 0) {
    putInTier(fullKey_, *shared, f.reading);
  }
  return f;
}

}  // namespace fleet::cache
