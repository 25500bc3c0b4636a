#include "shared/cache/exchange.h"

#include <algorithm>

#include "shared/cache/range.h"
#include "shared/cache/stored.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

bool overridesMethod(const common::HeaderList& headers) {
  return std::any_of(headers.begin(), headers.end(),
                     [](const auto& kv) { return isMethodOverrideField(kv.first); });
}

}  // namespace

CacheExchange::CacheExchange(HttpCache& cache, CacheRequest req, const CacheSettings& settings)
    : cache_(cache), req_(std::move(req)), settings_(settings) {
  primary_ = primaryKey(req_.scheme, req_.host, req_.port, req_.target);
  fullKey_ = primary_;
  requestCacheControl_ = common::combinedField(req_.headers, "Cache-Control");
  requestPragma_ = common::combinedField(req_.headers, "Pragma");
  requestTime_ = cache_.nowSeconds();
}

CacheExchange::~CacheExchange() {
  releaseMissLease();
  if (!refreshLease_.empty()) {
    cache_.d_.store.remove(refreshLease_);
  }
}

void CacheExchange::releaseMissLease() {
  if (!missLease_.empty()) {
    cache_.d_.store.remove(missLease_);
    missLease_.clear();
  }
}

std::string CacheExchange::cacheStatus(const std::string& what) const { return "fleet; " + what; }

Decision CacheExchange::decideFor(const Found& f) const {
  const Limits& limits = settings_.limits;
  Decision d = decide(f.reading->facts, f.entry->requestTime, f.entry->responseTime,
                      requestCacheControl_, requestPragma_, cache_.nowSeconds(), limits);
  if (f.softPurged && (d.verdict == Verdict::kFresh || d.verdict == Verdict::kStaleAllowed)) {
    // Soft-purged: stale from now on, served while one request refreshes it (no stampede),
    // unless the response forbids serving it stale.
    const CacheControl& cc = f.reading->facts.cc;
    bool noStale = cc.mustRevalidate || cc.proxyRevalidate || cc.sMaxAge || cc.noCache;
    d.verdict = noStale ? Verdict::kMustRevalidate : Verdict::kStaleRevalidate;
    d.ttl = std::min<int64_t>(d.ttl, -1);
  }
  return d;
}

std::optional<std::vector<BodyPiece>> CacheExchange::bodyOf(const Entry& e,
                                                            std::shared_ptr<const Entry> owner,
                                                            uint64_t first, uint64_t length) {
  std::vector<BodyPiece> pieces;
  if (length == 0) {
    return pieces;
  }
  if (e.chunkCount == 0) {
    pieces.push_back({std::shared_ptr<const std::string>(owner, &owner->body),
                      static_cast<size_t>(first), static_cast<size_t>(length)});
    return pieces;
  }
  // Only the chunks that hold [first, first + length), each verified before anything is sent.
  uint32_t from = static_cast<uint32_t>(first / e.chunkSize);
  uint32_t to = static_cast<uint32_t>((first + length - 1) / e.chunkSize);
  for (uint32_t i = from; i <= to; ++i) {
    std::optional<std::string> v = cache_.d_.store.get(cache_.keys_.chunk(fullKey_, e.bodyId, i));
    if (!v) {
      return std::nullopt;
    }
    common::Result<std::string> c = decodeChunk(*v, e.bodyId, i);
    uint64_t expect = std::min<uint64_t>(e.chunkSize, e.bodySize - uint64_t(i) * e.chunkSize);
    if (!c.isOk() || c.value().size() != expect) {
      return std::nullopt;
    }
    uint64_t start = uint64_t(i) * e.chunkSize;
    uint64_t lo = std::max(first, start) - start;
    uint64_t hi = std::min(first + length, start + expect) - start;
    pieces.push_back({std::make_shared<const std::string>(std::move(c.value())),
                      static_cast<size_t>(lo), static_cast<size_t>(hi - lo)});
  }
  return pieces;
}

std::optional<Answer> CacheExchange::answerFrom(const Entry& e, std::shared_ptr<const Entry> owner,
                                                const StoredReading& reading, int64_t age,
                                                const std::string& status) {
  const ResponseFacts& facts = reading.facts;
  Answer a;
  a.status = e.status;
  a.stored = reading.sent;
  a.headers.emplace_back("Age", std::to_string(std::max<int64_t>(0, age)));
  a.headers.emplace_back("Cache-Status", cacheStatus(status));
  std::string inm = common::combinedField(req_.headers, "If-None-Match");
  std::string ims = common::firstField(req_.headers, "If-Modified-Since");
  if ((!inm.empty() || !ims.empty()) && e.status == 200 &&
      notModified(facts, inm, ims, cache_.nowSeconds())) {
    a.status = 304;
    return a;
  }
  RangePlan range;
  if (e.status == 200) {
    range = planRange(common::firstField(req_.headers, "Range"),
                      common::firstField(req_.headers, "If-Range"), e.bodySize, facts.etag,
                      facts.lastModified, cache_.nowSeconds());
  }
  uint64_t first = 0, length = e.bodySize;
  if (range.kind == RangePlan::Kind::kSingle) {
    a.status = 206;
    first = range.range.first;
    length = range.range.length();
    a.headers.emplace_back("Content-Range", contentRange(range.range, e.bodySize));
  } else if (range.kind == RangePlan::Kind::kUnsatisfiable) {
    a.status = 416;
    a.headers.emplace_back("Content-Range", "bytes */" + std::to_string(e.bodySize));
    length = 0;
  }
  a.headers.emplace_back("Content-Length", std::to_string(length));
  if (req_.headOnly) {
    return a;
  }
  std::optional<std::vector<BodyPiece>> body = bodyOf(e, std::move(owner), first, length);
  if (!body) {
    cache_.d_.store.remove(cache_.keys_.entry(fullKey_));  // a chunk is gone: drop it all
    return std::nullopt;
  }
  a.body = std::move(*body);
  cache_.count(&CacheShared::bytesServed, length);
  return a;
}

bool CacheExchange::refreshStillNeeded() {
  if (refreshLease_.empty() || !stale_) {
    return false;
  }
  std::optional<Entry> now = fetch(fullKey_);
  bool refreshed = now && now->kind == Entry::Kind::kResponse &&
                   (now->bodyId != stale_->bodyId || now->responseTime != stale_->responseTime);
  if (!refreshed) {
    return true;
  }
  cache_.d_.store.remove(refreshLease_);
  refreshLease_.clear();
  return false;
}

CacheExchange::Lookup CacheExchange::forward() {
  Lookup l;
  l.step = Step::kForward;
  if (refresh_) {
    // The refresh asks for the stored response's URL as is, not with the client's conditions.
    l.unsetRequest = {"If-None-Match", "If-Modified-Since", "Cache-Control", "Pragma",
                      "Range",         "If-Range"};
  }
  if (stale_ && common::firstField(req_.headers, "If-None-Match").empty() &&
      common::firstField(req_.headers, "If-Modified-Since").empty()) {
    std::string etag = stale_->header("ETag"), lm = stale_->header("Last-Modified");
    if (!etag.empty()) {
      l.setRequest.emplace_back("If-None-Match", etag);
    }
    if (!lm.empty()) {
      l.setRequest.emplace_back("If-Modified-Since", lm);
    }
    revalidating_ = !etag.empty() || !lm.empty();
  }
  return l;
}

CacheExchange::Lookup CacheExchange::serveOrForward(Found f, bool quickOnly) {
  Lookup l;
  if (f.kind == Found::Kind::kResponse) {
    Decision d = decideFor(f);
    if (f.fromTier && d.verdict != Verdict::kFresh) {
      // The memory tier's copy is no longer fresh: memcached may hold a newer one (refreshed by
      // another process), which is what every further decision must be about.
      cache_.d_.tier->erase(fullKey_);
      f = find(false);
      if (f.kind == Found::Kind::kResponse) {
        d = decideFor(f);
      }
    }
    if (f.kind == Found::Kind::kResponse) {
      bool fresh = d.verdict == Verdict::kFresh || d.verdict == Verdict::kStaleAllowed;
      if (quickOnly && !(fresh && f.reading->facts.cc.isPublic)) {
        return l;  // declined: the normal lookup, after access checks, decides
      }
      std::string ttl = "ttl=" + std::to_string(d.ttl);
      if (fresh || d.verdict == Verdict::kStaleRevalidate) {
        bool swr = d.verdict == Verdict::kStaleRevalidate;
        std::optional<Answer> a =
            answerFrom(*f.entry, f.entry, *f.reading, d.age,
                       "hit; " + ttl + (swr ? "; detail=stale-while-revalidate" : ""));
        if (a) {
          cache_.count(&CacheShared::hits);
          if (d.verdict != Verdict::kFresh) {
            cache_.count(&CacheShared::staleServed);
          }
          // stale-while-revalidate: one request in the whole fleet (the lease's winner) refreshes
          // it once its own response is sent.
          if (swr) {
            std::string lease = cache_.keys_.refreshLease(fullKey_);
            if (cache_.d_.store.add(lease, "1", 30)) {
              refreshLease_ = lease;
              stale_ = f.entry;
              staleIfError_ = d.staleIfError;
            }
          }
          l.step = Step::kServe;
          l.answer = std::move(*a);
          return l;
        }
        f = Found();  // its body is gone: a miss
      } else {
        stale_ = f.entry;
        staleIfError_ = d.staleIfError;
        fwd_ = "stale";
      }
    }
  }
  if (quickOnly) {
    return l;
  }
  if (parseCacheControl(requestCacheControl_).onlyIfCached) {
    l.step = Step::kGatewayTimeout;
    return l;
  }
  if (parseCacheControl(requestCacheControl_).noCache) {
    fwd_ = "request";
  }
  cache_.count(&CacheShared::misses);
  if (f.kind == Found::Kind::kHitForMiss) {
    hitForMiss_ = true;
    cache_.count(&CacheShared::hitForMiss);
    return forward();
  }
  return {};  // the caller coalesces, then forwards
}

CacheExchange::Lookup CacheExchange::lookup(bool quickOnly) {
  Lookup l;
  if (refresh_) {
    return forward();
  }
  if (req_.method == "PURGE") {
    return quickOnly ? l : purge();
  }
  if (overridesMethod(req_.headers) || !isSafeMethod(req_.method)) {
    // The request may change what the URL answers: on success it is invalidated fleet-wide.
    if (quickOnly) {
      return l;
    }
    invalidating_ = true;
    l.step = Step::kForward;
    return l;
  }
  if (req_.method != "GET" && req_.method != "HEAD") {
    return l;  // OPTIONS and the like: not stored
  }
  l = serveOrForward(find(true), quickOnly);
  if (l.step != Step::kDecline || quickOnly) {
    return l;
  }
  // A miss, or a stale copy to revalidate: unless it is revalidated, one request in the fleet
  // fetches it while concurrent ones wait for that copy (a lease in memcached).
  if (stale_ || settings_.lockWaitMicros <= 0 || req_.headOnly) {
    return forward();
  }
  std::string lease = cache_.keys_.missLease(primary_);
  int64_t leaseSeconds = std::max<int64_t>(2, settings_.lockWaitMicros / 1000000 + 1);
  if (cache_.d_.store.add(lease, "1", leaseSeconds)) {
    missLease_ = lease;
    // A holder may have stored and left between our lookup and our lease: look once more.
    Found again = find(false);
    if (again.kind == Found::Kind::kResponse) {
      Lookup served = serveOrForward(again, false);
      if (served.step != Step::kDecline) {
        releaseMissLease();
        return served;
      }
    }
    return forward();
  }
  std::string holder;
  if (cache_.d_.store.read(lease, &holder) == KeyValueStore::Found::kError) {
    return forward();  // memcached is not answering: nobody to wait for
  }
  int64_t deadline = cache_.d_.wallClock.nowMicros() + settings_.lockWaitMicros;
  while (cache_.d_.wallClock.nowMicros() < deadline) {
    cache_.d_.sleep(HttpCache::kLockPollMicros);
    // The lease is looked at before the entry: a holder that stored and left between the two
    // looks is then still found by the second.
    bool holderGone = !cache_.d_.store.get(lease);
    Found f = find(false);
    if (f.kind == Found::Kind::kHitForMiss) {
      hitForMiss_ = true;  // the holder found it uncacheable: nothing to wait for
      return forward();
    }
    if (f.kind == Found::Kind::kResponse) {
      Decision d = decideFor(f);
      if (d.verdict == Verdict::kFresh) {
        std::optional<Answer> a =
            answerFrom(*f.entry, f.entry, *f.reading, d.age, "hit; ttl=" + std::to_string(d.ttl));
        if (a) {
          cache_.count(&CacheShared::coalesced);
          l.step = Step::kServe;
          l.answer = std::move(*a);
          return l;
        }
      }
    }
    if (holderGone) {
      break;  // the holder gave up: go to the member ourselves
    }
  }
  return forward();
}

}  // namespace fleet::cache
