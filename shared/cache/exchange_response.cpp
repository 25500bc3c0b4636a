// The second half of an exchange: the member's response, and storing it as it streams.
#include <algorithm>

#include "shared/cache/exchange.h"
#include "shared/cache/stored.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

// Whether an answer that cannot be stored says something about its URL (hit-for-miss): only a
// complete 2xx/3xx whose reason is the response's own, never one request's (Authorization, the
// client's no-store, a 304 to its own conditions, a 206 to its range), never an error (a member
// failing says nothing about the URL), never a variant (the others may be storable).
bool speaksForTheUrl(int status, const std::string& why, const ResponseFacts& f) {
  if (status < 200 || status >= 400 || status == 206 || status == 304) {
    return false;
  }
  if (why == "authorization" || why == "method" || why == "request-no-store") {
    return false;
  }
  return f.vary.empty();
}

// The host part of an absolute URL, and its path and query ("" when not of this form).
bool splitUrl(std::string_view url, std::string* host, std::string* target) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    if (url.empty() || url[0] != '/') {
      return false;
    }
    *target = std::string(url);
    return true;
  }
  size_t slash = url.find('/', scheme + 3);
  std::string_view authority =
      url.substr(scheme + 3, slash == std::string_view::npos ? url.npos : slash - scheme - 3);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  size_t colon = authority.rfind(':');
  size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    authority = authority.substr(0, colon);  // the port
  }
  *host = common::toLower(authority);
  *target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  return true;
}

}  // namespace

CacheExchange::Reply CacheExchange::invalidate(int status, const common::HeaderList& headers) {
  Reply r;
  if (status < 200 || status >= 400) {
    return r;  // only a successful unsafe request changes state
  }
  std::vector<std::string> gone = {primary_};
  cache_.d_.store.remove(cache_.keys_.entry(primary_));
  // Location and Content-Location on the same host are invalidated too (RFC 9111 4.4).
  for (const char* h : {"Location", "Content-Location"}) {
    std::string host, target;
    if (!splitUrl(common::trimSpaces(common::firstField(headers, h)), &host, &target)) {
      continue;
    }
    if (!host.empty() && host != common::toLower(req_.host)) {
      continue;
    }
    std::string key = primaryKey(req_.scheme, req_.host, req_.port, target);
    cache_.d_.store.remove(cache_.keys_.entry(key));
    gone.push_back(key);
  }
  if (cache_.d_.follower != nullptr) {
    cache_.d_.follower->invalidate(gone);
  }
  return r;
}

CacheExchange::Reply CacheExchange::onResponse(int status, const common::HeaderList& headers) {
  if (invalidating_) {
    return invalidate(status, headers);
  }
  const Limits& limits = settings_.limits;
  Reply r;
  if (!limits.targetedField.empty()) {
    r.unsetResponse.emplace_back(limits.targetedField);
  }
  int64_t now = cache_.nowSeconds();
  if (revalidating_ && status == 304 && stale_) {
    // The member says the stored response is still good: freshen it with the 304's fields and
    // answer this client with the freshened copy (RFC 9111 4.3.4).
    Entry e = *stale_;
    freshenFrom304(&e, headers, requestTime_, now);
    // Revalidated: no longer soft-purged, and current with every tag it carries.
    e.staleSince = 0;
    for (auto& [tag, gen] : e.tags) {
      if (std::optional<uint64_t> g = cache_.tagGeneration(tag)) {
        gen = *g;
      }
    }
    std::shared_ptr<const StoredReading> reading = readingOf(e);
    const ResponseFacts& facts = reading->facts;
    cache_.d_.store.set(cache_.keys_.entry(fullKey_), encodeEntry(e), storageTtl(facts, limits));
    if (e.chunkCount == 0) {
      putInTier(fullKey_, e, reading);
    }
    cache_.count(&CacheShared::revalidated);
    auto owner = std::make_shared<const Entry>(std::move(e));
    std::optional<Answer> a = answerFrom(
        *owner, owner, *reading, currentAge(facts, owner->requestTime, owner->responseTime, now),
        "fwd=stale; fwd-status=304; ttl=" + std::to_string(freshnessLifetime(facts, limits)));
    releaseMissLease();
    if (a) {
      r.kind = Reply::Kind::kReplace;
      r.replacement = std::move(*a);
      return r;
    }
    // The stored body vanished meanwhile: the client gets the member's 304 as it is.
    return r;
  }
  if (stale_ && status >= 500 && staleIfError_ > 0) {
    // stale-if-error: checked against the stored response's own age.
    std::shared_ptr<const StoredReading> reading = readingOf(*stale_);
    Decision d =
        decide(reading->facts, stale_->requestTime, stale_->responseTime, "", "", now, limits);
    if (-d.ttl <= d.staleIfError) {
      std::optional<Answer> a =
          answerFrom(*stale_, stale_, *reading, d.age,
                     "hit; ttl=" + std::to_string(d.ttl) + "; detail=stale-if-error");
      if (a) {
        cache_.count(&CacheShared::staleServed);
        releaseMissLease();
        r.kind = Reply::Kind::kReplace;
        r.replacement = std::move(*a);
        return r;
      }
    }
  }
  if (req_.headOnly) {
    releaseMissLease();
    return r;
  }
  Reply stored = startStoring(status, headers);
  stored.unsetResponse = r.unsetResponse;
  return stored;
}

CacheExchange::Reply CacheExchange::startStoring(int status, const common::HeaderList& headers) {
  const Limits& limits = settings_.limits;
  Reply r;
  int64_t now = cache_.nowSeconds();
  ResponseFacts f = factsOf(status, headers, limits, now);
  f.hasAuthorizationRequest = !common::firstField(req_.headers, "Authorization").empty();
  std::string why = whyNotStorable("GET", f, limits);
  if (why.empty() && parseCacheControl(requestCacheControl_).noStore) {
    why = "request-no-store";  // RFC 9111 3
  }
  int64_t lifetime = freshnessLifetime(f, limits);
  ttl_ = storageTtl(f, limits);
  if (why.empty() && ttl_ <= 0) {
    why = "stale-at-once";
  }
  // RFC 9211's parameters, and mod_fleet's own "hit-for-miss" when the URL's last answer could
  // not be stored and this request did not wait for another.
  std::string fwd = "fwd=" + fwd_ + (hitForMiss_ ? "; hit-for-miss" : "");
  if (!why.empty()) {
    cache_.count(&CacheShared::uncacheable);
    if (settings_.hitForMissSeconds > 0 && speaksForTheUrl(status, why, f)) {
      // Hit-for-miss: remember for a while that this URL is not stored, so concurrent and later
      // requests go straight to the member instead of queueing on the coalescing lease. Added,
      // never set: a stored response (a stale copy kept for revalidation) stays where it is.
      Entry marker;
      marker.kind = Entry::Kind::kHitForMiss;
      marker.key = primary_;
      marker.responseTime = now;
      if (cache_.d_.store.add(cache_.keys_.entry(primary_), encodeEntry(marker),
                              settings_.hitForMissSeconds)) {
        putInTier(primary_, marker);
      }
    }
    releaseMissLease();
    r.setResponse.emplace_back("Cache-Status", cacheStatus(fwd + "; detail=" + why));
    return r;
  }
  std::vector<std::string> names = varyNames(f.vary);
  if (!names.empty()) {
    std::map<std::string, std::string> values;
    for (const std::string& n : names) {
      bool present = std::any_of(req_.headers.begin(), req_.headers.end(), [&](const auto& kv) {
        return common::sameFieldName(kv.first, n);
      });
      if (present) {
        values[n] = common::combinedField(req_.headers, n);
      }
    }
    fullKey_ = variantKey(primary_, names, values);
    Entry manifest;
    manifest.kind = Entry::Kind::kVaryManifest;
    manifest.key = primary_;
    manifest.vary = names;
    manifest.staleSince = manifestStaleSince_;  // a soft purge outlives the refresh of one variant
    cache_.d_.store.set(cache_.keys_.entry(primary_), encodeEntry(manifest), ttl_);
    putInTier(primary_, manifest);
  } else {
    fullKey_ = primary_;
  }
  entry_ = Entry();
  entry_.key = fullKey_;
  entry_.status = status;
  entry_.requestTime = requestTime_;
  entry_.responseTime = now;
  entry_.age = f.age;
  entry_.headers = storableHeaders(headers);
  // private="field": never stored by a shared cache (RFC 9111 5.2.2.7), not only never sent.
  CacheControl cc = parseCacheControl(f.cacheControl);
  entry_.headers.erase(std::remove_if(entry_.headers.begin(), entry_.headers.end(),
                                      [&](const auto& kv) {
                                        std::string n = common::toLower(kv.first);
                                        return std::find(cc.privateFields.begin(),
                                                         cc.privateFields.end(),
                                                         n) != cc.privateFields.end();
                                      }),
                       entry_.headers.end());
  for (const std::string& tag : surrogateKeys(headers)) {
    std::optional<uint64_t> g = cache_.tagGeneration(tag);
    if (!g) {  // without its generation a purge by this tag could not reach the entry
      releaseMissLease();
      r.setResponse.emplace_back("Cache-Status", cacheStatus(fwd + "; detail=tag-unavailable"));
      return r;
    }
    entry_.tags.emplace_back(tag, *g);
  }
  entry_.bodyId = cache_.d_.random();
  pending_.clear();
  storing_ = true;
  r.kind = Reply::Kind::kStore;
  r.setResponse.emplace_back("Cache-Status",
                             cacheStatus(fwd + "; stored; ttl=" + std::to_string(lifetime)));
  return r;
}

bool CacheExchange::putChunk(const std::string& data) {
  bool ok = cache_.d_.store.set(cache_.keys_.chunk(fullKey_, entry_.bodyId, entry_.chunkCount),
                                encodeChunk(entry_.bodyId, entry_.chunkCount, data), ttl_);
  ++entry_.chunkCount;
  return ok;
}

bool CacheExchange::append(std::string_view bytes) {
  if (!storing_) {
    return false;
  }
  if (entry_.bodySize + bytes.size() > settings_.maxObjectBytes) {
    storing_ = false;
    cache_.count(&CacheShared::storeFailures);
    releaseMissLease();
    return false;
  }
  entry_.bodySize += bytes.size();
  pending_.append(bytes);
  // Full chunks go to memcached as they fill, so memory stays at one chunk.
  while (pending_.size() >= HttpCache::kChunkBytes) {
    if (!putChunk(pending_.substr(0, HttpCache::kChunkBytes))) {
      storing_ = false;
      cache_.count(&CacheShared::storeFailures);
      releaseMissLease();
      return false;
    }
    pending_.erase(0, HttpCache::kChunkBytes);
  }
  return true;
}

void CacheExchange::finish() {
  if (!storing_) {
    return;
  }
  storing_ = false;
  bool ok = true;
  if (entry_.chunkCount == 0) {
    entry_.body.swap(pending_);
  } else {
    entry_.chunkSize = static_cast<uint32_t>(HttpCache::kChunkBytes);
    if (!pending_.empty()) {
      ok = putChunk(pending_);
    }
  }
  // The entry last: a reader never finds an entry whose chunks are not all there.
  ok = ok && cache_.d_.store.set(cache_.keys_.entry(fullKey_), encodeEntry(entry_), ttl_);
  cache_.count(ok ? &CacheShared::stores : &CacheShared::storeFailures);
  if (ok) {
    cache_.count(&CacheShared::bytesStored, entry_.bodySize);
  }
  // The URL had a hit-for-miss marker: the other processes' tiers may still hold it.
  if (ok && hitForMiss_ && cache_.d_.follower != nullptr) {
    cache_.d_.follower->invalidate({primary_});
  }
  if (ok && entry_.chunkCount == 0) {
    putInTier(fullKey_, entry_);
  }
  releaseMissLease();
}

}  // namespace fleet::cache
