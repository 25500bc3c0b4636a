// One request's passage through the cache (http_cache.h): the lookup before the member, and the
// decisions once the member's response begins, including storing it as it streams. The exchange
// holds the leases it took (the coalescing lease of a miss, a stale-while-revalidate refresh)
// and gives them back when it ends, whatever happened. In three files: exchange.cpp (the
// lookup and the answers it makes), exchange_find.cpp (finding the stored response) and
// exchange_response.cpp (the member's response, and storing it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/cache/http_cache.h"

namespace fleet::cache {

class CacheExchange {
 public:
  enum class Step {
    kDecline,         // not the cache's business: let the request go on untouched
    kServe,           // answer with `answer` (a stored response, or a 304 from it)
    kForward,         // go to the member (after setRequest/unsetRequest), then onResponse()
    kGatewayTimeout,  // only-if-cached and nothing stored: 504
    kReply,           // answer with `answer` (a PURGE's result, or its refusal)
  };
  struct Lookup {
    Step step = Step::kDecline;
    Answer answer;
    common::HeaderList setRequest;          // kForward: the stored response's validators
    std::vector<std::string> unsetRequest;  // kForward: headers the member must not see
  };
  // quickOnly: before httpd's access checks, only fresh hits of `public` responses are served;
  // anything else declines (the normal lookup comes later).
  Lookup lookup(bool quickOnly = false);

  struct Reply {
    enum class Kind { kPass, kStore, kReplace } kind = Kind::kPass;
    Answer replacement;                      // kReplace: the member's answer is dropped for this
    common::HeaderList setResponse;          // Cache-Status
    std::vector<std::string> unsetResponse;  // mod_fleet's targeted field never leaves the proxy
  };
  // The member's response begins (or httpd made an error response instead): its status and every
  // header line. kStore: append() each body piece, then finish().
  Reply onResponse(int status, const common::HeaderList& headers);
  // false: storing stopped (too large, or memcached failed); the response goes on unstored.
  bool append(std::string_view bytes);
  void finish();

  // A stale-while-revalidate hit that won the fleet's refresh lease: refresh after the response.
  bool owesRefresh() const { return !refreshLease_.empty(); }
  // Just before refreshing: false (and the lease given back) when another request refreshed
  // the entry between this one's stale lookup and its lease.
  bool refreshStillNeeded();
  const CacheRequest& request() const { return req_; }

  CacheExchange(HttpCache& cache, CacheRequest req, const CacheSettings& settings);
  ~CacheExchange();
  CacheExchange(const CacheExchange&) = delete;
  CacheExchange& operator=(const CacheExchange&) = delete;

 private:
  friend class HttpCache;
  struct Found {
    enum class Kind { kNone, kResponse, kHitForMiss } kind = Kind::kNone;
    std::shared_ptr<const Entry> entry;
    std::shared_ptr<const StoredReading> reading;  // the policy's reading of entry, made once
    bool fromTier = false;
    bool softPurged = false;  // a soft purge of its URL or of one of its tags
  };
  Found find(bool useTier);
  std::optional<Entry> fetch(const std::string& fullKey);
  Found checked(std::shared_ptr<const Entry> e, int64_t manifestStaleSince);
  Decision decideFor(const Found& f) const;
  // The stored response as this request's answer; nullopt when its body is gone (a miss).
  std::optional<Answer> answerFrom(const Entry& e, std::shared_ptr<const Entry> owner,
                                   const StoredReading& reading, int64_t age,
                                   const std::string& cacheStatus);
  std::shared_ptr<const StoredReading> readingOf(const Entry& e) const;
  void putInTier(const std::string& key, const Entry& e,
                 std::shared_ptr<const StoredReading> reading = nullptr);
  std::optional<std::vector<BodyPiece>> bodyOf(const Entry& e, std::shared_ptr<const Entry> owner,
                                               uint64_t first, uint64_t length);
  Lookup serveOrForward(Found f, bool quickOnly);
  Lookup forward();
  Lookup purge();
  void releaseMissLease();
  Reply invalidate(int status, const common::HeaderList& headers);
  Reply startStoring(int status, const common::HeaderList& headers);
  bool putChunk(const std::string& data);
  std::string cacheStatus(const std::string& what) const;

  HttpCache& cache_;
  CacheRequest req_;
  CacheSettings settings_;
  std::string primary_, fullKey_;
  std::string requestCacheControl_, requestPragma_;
  int64_t requestTime_ = 0;
  bool refresh_ = false;       // a stale-while-revalidate refresh: no lookup, validators only
  bool invalidating_ = false;  // an unsafe method: a success invalidates the URL
  std::shared_ptr<const Entry> stale_;  // stored, but not servable as it is
  int64_t staleIfError_ = 0;
  bool revalidating_ = false;  // stale_'s validators went to the member
  bool hitForMiss_ = false;
  int64_t manifestStaleSince_ = 0;  // the Vary manifest's soft purge, carried into a new manifest
  std::string missLease_, refreshLease_;
  std::string fwd_ = "uri-miss";
  // Storing.
  bool storing_ = false;
  Entry entry_;
  std::string pending_;
  int64_t ttl_ = 0;
};

}  // namespace fleet::cache
