#include "module/cache_glue.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "module/background_thread.h"
#include "module/config_glue.h"
#include "module/guard.h"
#include "module/member_table_glue.h"
#include "module/tables.h"
#include "shared/cache/entry.h"
#include "shared/cache/local_tier.h"
#include "shared/cache/policy.h"
#include "shared/cache/store.h"
#include "shared/cache/stored.h"
#include "shared/common/clock.h"
#include "shared/common/parse.h"

extern "C" {
#include "http_ssl.h"
}

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using cache::Entry;

constexpr const char* kPrefix = "fl1:";
constexpr size_t kChunkSize = 512 * 1024;  // below memcached's default 1 MB item limit
constexpr uint64_t kDefaultMaxObject = 10 * 1024 * 1024;
constexpr int64_t kDefaultLockWait = 2000000;
constexpr const char* kCtxKey = "fleet-cache";

struct Globals {
  bool quick = false;  // FleetCacheQuickHandler
  uint64_t localBytes = 16 * 1024 * 1024;  // FleetCacheLocalSize
  std::string servers;
  int64_t timeoutMicros = 100000;
  int64_t retryMicros = 5000000;
};
Globals* g_conf = nullptr;  // set by directives, lives with pconf
std::unique_ptr<cache::Store> g_store;  // per child
std::unique_ptr<cache::LocalTier> g_local;  // per child, optional

// Thread-safe randomness for values other processes must not guess or repeat (counter starts).
uint64_t randomWord() {
  uint64_t v = 0;
  apr_generate_random_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

std::unique_ptr<cache::LocalTier> g_noTier;        // per child: stands in when FleetCacheLocalSize is 0
std::unique_ptr<cache::TierFollower> g_follower;   // per child: this child's tier and the logs

// Polls the memcached invalidation log so this process's memory tier never outlives an
// invalidation made on another server.
class InvalidationPoller {
 public:
  void start() { thread_.start([this] { run(); }); }
  void stop() { thread_.stop(); }

 private:
  void run() {
    do {
      if (g_follower) g_follower->pollStore();
    } while (thread_.sleepFor(std::chrono::milliseconds(50)));
  }
  BackgroundThread thread_;
};
InvalidationPoller* g_poller = nullptr;

// These URLs (primary keys) leave every memory tier of the fleet.
void invalidateTiers(const std::vector<std::string>& primaries) {
  if (g_follower) g_follower->invalidate(primaries);
}

common::SteadyClock g_clock;
ap_filter_rec_t* g_saveFilter = nullptr;
ap_filter_rec_t* g_invalidateFilter = nullptr;
ap_filter_rec_t* g_sinkFilter = nullptr;
std::mt19937_64* g_rng = nullptr;

apr_status_t forgetGlobals(void*) {
  delete g_conf;
  g_conf = nullptr;
  return APR_SUCCESS;
}

Globals& globals(apr_pool_t* pconf) {
  if (g_conf == nullptr) {
    g_conf = new Globals();
    apr_pool_cleanup_register(pconf, nullptr, forgetGlobals, apr_pool_cleanup_null);
  }
  return *g_conf;
}

cache::CacheShared* counters() { return cacheShared(); }
void count(std::atomic<uint64_t> cache::CacheShared::*field, uint64_t n = 1) {
  if (cache::CacheShared* c = counters()) (c->*field).fetch_add(n, std::memory_order_relaxed);
}

int64_t wallNow() { return static_cast<int64_t>(apr_time_sec(apr_time_now())); }

// Per request.
struct Ctx {
  std::string primary;
  std::string fullKey;                 // where this request's response lives (variant or primary)
  int64_t requestTime = 0;
  std::optional<Entry> stored;         // a stored response that could not be served as it was
  int64_t staleIfError = 0;
  bool revalidating = false;           // we added validators to the member request
  std::string lockKey;                 // a miss lease we hold
  std::string refreshLease;            // a stale-while-revalidate refresh we owe, after the response
  bool fromLocal = false;              // the stored response came from the memory tier
  const char* fwd = "uri-miss";
  // Storing, as the response streams out.
  bool decided = false, storing = false;
  Entry entry;
  std::string pending;                 // body bytes not yet in a chunk
  uint64_t maxObject = kDefaultMaxObject;
  int64_t ttl = 0;
};

apr_status_t destroyCtx(void* p) {
  auto* ctx = static_cast<Ctx*>(p);
  if (!ctx->lockKey.empty() && g_store) g_store->remove(ctx->lockKey);
  if (!ctx->refreshLease.empty() && g_store) g_store->remove(ctx->refreshLease);
  delete ctx;
  return APR_SUCCESS;
}

Ctx* ctxOf(request_rec* r) {
  void* p = nullptr;
  apr_pool_userdata_get(&p, kCtxKey, r->pool);
  return static_cast<Ctx*>(p);
}

Ctx* newCtx(request_rec* r) {
  auto* ctx = new Ctx();
  apr_pool_userdata_setn(ctx, kCtxKey, destroyCtx, r->pool);
  return ctx;
}

std::string primaryKeyOf(request_rec* r) {
  bool https = ap_ssl_conn_is_ssl(r->connection->master ? r->connection->master : r->connection) != 0;
  const char* host = r->hostname != nullptr ? r->hostname : r->server->server_hostname;
  return cache::primaryKey(https ? "https" : "http", host != nullptr ? host : "", ap_get_server_port(r),
                           r->unparsed_uri != nullptr ? r->unparsed_uri : "/");
}

std::optional<Entry> fetch(const std::string& fullKey) {
  std::optional<std::string> v = g_store->get(cache::storageKey(kPrefix, fullKey));
  if (!v) return std::nullopt;
  common::Result<Entry> e = cache::decodeEntry(*v, fullKey);
  if (!e.isOk()) return std::nullopt;
  return std::move(e.value());
}

std::map<std::string, std::string> requestValues(request_rec* r, const std::vector<std::string>& names) {
  std::map<std::string, std::string> out;
  for (const std::string& n : names) {
    if (const char* v = apr_table_get(r->headers_in, n.c_str())) out[n] = v;
  }
  return out;
}

// The stored response for this request (through the Vary manifest), or nothing; sets the key
// the response belongs under and why it missed.
std::optional<Entry> lookupLocal(request_rec* r, Ctx* ctx) {
  g_follower->followRing();
  std::shared_ptr<const cache::LocalItem> item = g_local->get(ctx->primary);
  if (item && item->entry.kind == Entry::Kind::kVaryManifest) {
    std::string variant = cache::variantKey(ctx->primary, item->entry.vary, requestValues(r, item->entry.vary));
    item = g_local->get(variant);
    if (item) ctx->fullKey = variant;
  }
  if (!item || item->entry.kind != Entry::Kind::kResponse) return std::nullopt;
  return item->entry;
}

std::optional<Entry> lookup(request_rec* r, Ctx* ctx, bool useLocal = true) {
  ctx->fullKey = ctx->primary;
  ctx->fromLocal = false;
  if (g_local && useLocal) {
    if (std::optional<Entry> hit = lookupLocal(r, ctx)) {
      ctx->fromLocal = true;
      return hit;
    }
  }
  std::optional<Entry> e = fetch(ctx->primary);
  if (e && e->kind == Entry::Kind::kVaryManifest) {
    if (g_local) g_local->put(ctx->primary, *e);
    ctx->fullKey = cache::variantKey(ctx->primary, e->vary, requestValues(r, e->vary));
    e = fetch(ctx->fullKey);
    if (!e) ctx->fwd = "vary-miss";
  }
  if (e && e->kind != Entry::Kind::kResponse) e.reset();
  if (e && !e->tags.empty()) {
    // Purged by tag since it was stored?
    // A counter memcached no longer has is newer than anything stored: evicted after a purge,
    // it must not make the purged entries valid again.
    for (const auto& [tag, gen] : e->tags) {
      std::optional<std::string> now = g_store->get(cache::tagKey(kPrefix, tag));
      if (!now || std::strtoull(now->c_str(), nullptr, 10) != gen) return std::nullopt;
    }
  }
  // Small entries go to the memory tier as they are in memcached (chunked ones stay out).
  if (e && g_local && e->chunkCount == 0) g_local->put(ctx->fullKey, *e);
  return e;
}

cache::Limits limitsOf(const DirConfig& d) {
  cache::Limits l;
  l.defaultStaleWhileRevalidate = d.cacheSwr.value_or(0);
  l.defaultStaleIfError = d.cacheSie.value_or(0);
  if (d.cacheStatuses) l.statuses = *d.cacheStatuses;
  return l;
}

void setStatusHeader(request_rec* r, const std::string& value) {
  apr_table_setn(r->headers_out, "Cache-Status", apr_pstrdup(r->pool, ("fleet; " + value).c_str()));
}

// The stored body: inline, or every chunk (all must be there and of this version).
std::optional<std::string> bodyOf(const Ctx* ctx, const Entry& e) {
  if (e.chunkCount == 0) return e.body;
  std::string body;
  body.reserve(e.bodySize);
  for (uint32_t i = 0; i < e.chunkCount; ++i) {
    std::optional<std::string> v = g_store->get(cache::chunkKey(kPrefix, ctx->fullKey, e.bodyId, i));
    if (!v) return std::nullopt;
    common::Result<std::string> c = cache::decodeChunk(*v, e.bodyId, i);
    if (!c.isOk()) return std::nullopt;
    body += c.value();
  }
  if (body.size() != e.bodySize) return std::nullopt;
  return body;
}

void copyHeaders(request_rec* r, const Entry& e) {
  cache::CacheControl cc = cache::parseCacheControl(cache::storedFacts(e).cacheControl);
  apr_table_clear(r->headers_out);
  for (const auto& [k, v] : e.headers) {
    if (!cache::sentFromCache(k, cc)) continue;
    if (strcasecmp(k.c_str(), "Content-Type") == 0) {
      ap_set_content_type(r, apr_pstrdup(r->pool, v.c_str()));
      continue;
    }
    apr_table_add(r->headers_out, apr_pstrdup(r->pool, k.c_str()), apr_pstrdup(r->pool, v.c_str()));
  }
}

// Makes r the stored response: its status and headers, our Age, Cache-Status and length.
void becomeStored(request_rec* r, const Entry& e, int64_t age, const std::string& cacheStatus, size_t length) {
  copyHeaders(r, e);
  r->status = e.status;
  r->status_line = nullptr;
  apr_table_setn(r->headers_out, "Age", apr_psprintf(r->pool, "%" APR_INT64_T_FMT, std::max<int64_t>(0, age)));
  setStatusHeader(r, cacheStatus);
  ap_set_content_length(r, static_cast<apr_off_t>(length));
}

// The stored body (unless HEAD) and the end of the response, as one brigade.
apr_bucket_brigade* bodyBrigade(request_rec* r, const std::string& body) {
  apr_bucket_brigade* bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
  if (!r->header_only) {
    char* copy = static_cast<char*>(apr_pmemdup(r->pool, body.data(), body.size()));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(copy, body.size(), r->pool, r->connection->bucket_alloc));
  }
  APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(r->connection->bucket_alloc));
  return bb;
}

// Answers the request from a stored response; DECLINED when the body cannot be had (a miss).
int serve(request_rec* r, Ctx* ctx, const Entry& e, int64_t age, const std::string& status) {
  const char* inm = apr_table_get(r->headers_in, "If-None-Match");
  const char* ims = apr_table_get(r->headers_in, "If-Modified-Since");
  if ((inm != nullptr || ims != nullptr) && e.status == 200 &&
      cache::notModified(cache::storedFacts(e), inm ? inm : "", ims ? ims : "")) {
    copyHeaders(r, e);
    apr_table_setn(r->headers_out, "Age", apr_psprintf(r->pool, "%" APR_INT64_T_FMT, std::max<int64_t>(0, age)));
    setStatusHeader(r, status);
    count(&cache::CacheShared::hits);
    return HTTP_NOT_MODIFIED;
  }
  std::optional<std::string> body = bodyOf(ctx, e);
  if (!body) {
    g_store->remove(cache::storageKey(kPrefix, ctx->fullKey));  // a chunk is gone: drop it all
    return DECLINED;
  }
  becomeStored(r, e, age, status, body->size());
  count(&cache::CacheShared::hits);
  count(&cache::CacheShared::bytesServed, body->size());
  if (r->header_only) return OK;
  ap_pass_brigade(r->output_filters, bodyBrigade(r, *body));
  return OK;
}

std::string ttlText(int64_t ttl) { return "ttl=" + std::to_string(ttl); }

// Tries the stored response; returns a handler result, or DECLINED to go to the member.
int tryStored(request_rec* r, Ctx* ctx, const DirConfig& d, bool* stale, bool quickOnly = false) {
  std::optional<Entry> e = lookup(r, ctx);
  if (!e) return DECLINED;
  std::string ccText = combinedField(r->headers_in, "Cache-Control");
  std::string pragmaText = combinedField(r->headers_in, "Pragma");
  const char* cc = ccText.c_str();
  const char* pragma = pragmaText.c_str();
  cache::Decision dec = cache::decide(cache::storedFacts(*e), e->requestTime, e->responseTime, cc ? cc : "",
                                      pragma ? pragma : "", wallNow(), limitsOf(d));
  if (ctx->fromLocal && dec.verdict != cache::Verdict::kFresh) {
    // The memory tier's copy is no longer fresh: memcached may hold a newer one (refreshed by
    // another process), which is what every further decision must be about.
    g_local->erase(ctx->fullKey);
    e = lookup(r, ctx, false);
    if (!e) return DECLINED;
    dec = cache::decide(cache::storedFacts(*e), e->requestTime, e->responseTime, cc ? cc : "", pragma ? pragma : "",
                        wallNow(), limitsOf(d));
  }
  if (dec.verdict == cache::Verdict::kFresh || dec.verdict == cache::Verdict::kStaleAllowed) {
    if (quickOnly && !cache::parseCacheControl(cache::storedFacts(*e).cacheControl).isPublic) return DECLINED;
    int rc = serve(r, ctx, *e, dec.age, "hit; " + ttlText(dec.ttl));
    if (rc != DECLINED && dec.verdict == cache::Verdict::kStaleAllowed) count(&cache::CacheShared::staleServed);
    return rc;
  }
  if (dec.verdict == cache::Verdict::kStaleRevalidate && !quickOnly) {
    // stale-while-revalidate: this client gets the stored copy now; one request in the whole
    // fleet (the one that wins the refresh lease) refreshes it once the response is sent.
    int rc = serve(r, ctx, *e, dec.age, "hit; " + ttlText(dec.ttl) + "; detail=stale-while-revalidate");
    if (rc == DECLINED) return rc;
    count(&cache::CacheShared::staleServed);
    std::string lease = cache::storageKey(kPrefix, ctx->fullKey) + ":refresh";
    if (g_store->add(lease, std::to_string(getpid()), 30)) {
      ctx->refreshLease = lease;
      ctx->stored = std::move(e);
    }
    return rc;
  }
  *stale = true;
  ctx->fwd = "stale";
  ctx->staleIfError = dec.staleIfError;
  ctx->stored = std::move(e);
  return DECLINED;
}

// Adds the stored response's validators to the member request (unless the client has its own).
void addValidators(request_rec* r, Ctx* ctx) {
  if (!ctx->stored || apr_table_get(r->headers_in, "If-None-Match") != nullptr ||
      apr_table_get(r->headers_in, "If-Modified-Since") != nullptr) {
    return;
  }
  std::string etag = ctx->stored->header("ETag");
  std::string lm = ctx->stored->header("Last-Modified");
  if (!etag.empty()) apr_table_setn(r->headers_in, "If-None-Match", apr_pstrdup(r->pool, etag.c_str()));
  if (!lm.empty()) apr_table_setn(r->headers_in, "If-Modified-Since", apr_pstrdup(r->pool, lm.c_str()));
  ctx->revalidating = !etag.empty() || !lm.empty();
}

int purge(request_rec* r, const DirConfig& d) {
  if (!d.cachePurge.value_or(false)) return HTTP_METHOD_NOT_ALLOWED;
  count(&cache::CacheShared::purges);
  std::vector<std::string> tags = cache::surrogateKeys(headerList(r->headers_in));
  std::string done;
  if (!tags.empty()) {
    // Every response stored with one of these tags is stale fleet-wide at once: its recorded
    // generation no longer matches (no scan of memcached).
    for (const std::string& tag : tags) {
      if (!g_store->increment(cache::tagKey(kPrefix, tag), randomWord() >> 1)) return HTTP_SERVICE_UNAVAILABLE;
      done += (done.empty() ? "" : " ") + tag;
    }
    if (g_follower) g_follower->invalidateEverything();  // the tiers cannot tell tags apart
  } else {
    // The primary key holds the response or the Vary manifest every variant is reached through.
    std::string primary = primaryKeyOf(r);
    if (!g_store->remove(cache::storageKey(kPrefix, primary))) return HTTP_SERVICE_UNAVAILABLE;
    invalidateTiers({primary});
    done = primary;
  }
  r->status = HTTP_OK;
  ap_set_content_type(r, "text/plain");
  ap_rprintf(r, "purged %s\n", done.c_str());
  return OK;
}

constexpr const char* kRefreshNote = "fleet-cache-refresh";

void finishStoring(Ctx* ctx);

// The background refresh of a stale-while-revalidate hit: a subrequest whose output goes nowhere
// but into the cache (the save filter revalidates or stores).
int refreshSubrequest(request_rec* r) {
  void* p = nullptr;
  apr_pool_userdata_get(&p, kRefreshNote, r->pool);
  if (p == nullptr) return DECLINED;
  auto* parent = static_cast<Ctx*>(p);
  Ctx* ctx = newCtx(r);
  ctx->primary = parent->primary;
  ctx->fullKey = parent->fullKey;
  ctx->requestTime = wallNow();
  ctx->maxObject = dirConfig(r).cacheMaxObject.value_or(kDefaultMaxObject);
  ctx->stored = parent->stored;
  ctx->fwd = "stale";
  apr_table_unset(r->headers_in, "If-None-Match");
  apr_table_unset(r->headers_in, "If-Modified-Since");
  apr_table_unset(r->headers_in, "Cache-Control");
  addValidators(r, ctx);
  ap_add_output_filter_handle(g_saveFilter, ctx, r, r->connection);
  return DECLINED;
}

bool overridesMethod(request_rec* r) {
  const apr_array_header_t* arr = apr_table_elts(r->headers_in);
  const auto* elts = reinterpret_cast<const apr_table_entry_t*>(arr->elts);
  for (int i = 0; i < arr->nelts; ++i) {
    if (elts[i].key != nullptr && cache::isMethodOverrideField(elts[i].key)) return true;
  }
  return false;
}

int lookupOrFetch(request_rec* r, bool quick);

int lookupHandler(request_rec* r) {
  return guarded<int>(r->server, "cache lookup", DECLINED, [&] {
    if (!g_store) return DECLINED;
    if (r->main != nullptr) return refreshSubrequest(r);
    return lookupOrFetch(r, false);
  });
}

// The lookup (quick = only public fresh hits, nothing else); DECLINED lets the request go on.
// FleetCacheQuickHandler on: before httpd maps and authorizes the request, answer fresh hits of
// responses the member marked public (anything else waits for the normal lookup, after access
// checks).
int quickHandler(request_rec* r, int lookupOnly) {
  return guarded<int>(r->server, "cache quick lookup", DECLINED, [&] {
    if (!g_store || lookupOnly || r->main != nullptr || g_conf == nullptr || !g_conf->quick) return DECLINED;
    if (r->method_number != M_GET || overridesMethod(r)) return DECLINED;
    ap_location_walk(r);  // FleetCache is set per <Location>
    return lookupOrFetch(r, true);
  });
}

int lookupOrFetch(request_rec* r, bool quick) {
  if (r->prev != nullptr) return DECLINED;
  const DirConfig& d = dirConfig(r);
  if (!d.cacheOn.value_or(false)) return DECLINED;
  if (std::strcmp(r->method, "PURGE") == 0) return purge(r, d);
  if (r->method_number == M_POST || r->method_number == M_PUT || r->method_number == M_DELETE ||
      r->method_number == M_PATCH || overridesMethod(r)) {
    ap_add_output_filter_handle(g_invalidateFilter, nullptr, r, r->connection);
    return DECLINED;
  }
  if (r->method_number != M_GET) return DECLINED;  // HEAD is M_GET with header_only
  Ctx* ctx = newCtx(r);
  ctx->primary = primaryKeyOf(r);
  ctx->requestTime = wallNow();
  ctx->maxObject = d.cacheMaxObject.value_or(kDefaultMaxObject);
  cache::CacheControl rc = cache::parseCacheControl(combinedField(r->headers_in, "Cache-Control"));
  bool stale = false;
  int res = tryStored(r, ctx, d, &stale, quick);
  if (res != DECLINED || quick) return res;
  if (rc.onlyIfCached) return HTTP_GATEWAY_TIME_OUT;
  if (rc.noCache) ctx->fwd = "request";
  count(&cache::CacheShared::misses);
  int64_t wait = d.cacheLockWait.value_or(kDefaultLockWait);
  if (!stale && wait > 0 && !r->header_only) {
    std::string lock = cache::storageKey(kPrefix, ctx->primary) + ":lock";
    int64_t ttl = std::max<int64_t>(2, wait / 1000000 + 1);
    if (g_store->add(lock, std::to_string(getpid()), ttl)) {
      ctx->lockKey = lock;
      // A holder may have stored and left between our lookup and our lease: look once more.
      res = tryStored(r, ctx, d, &stale);
      if (res != DECLINED) {
        g_store->remove(lock);
        ctx->lockKey.clear();
        return res;
      }
    } else {
      // Someone (any child, any server of the fleet) is fetching it: wait for their copy.
      int64_t deadline = g_clock.nowMicros() + wait;
      bool holderGone = false;
      while (!holderGone && g_clock.nowMicros() < deadline) {
        usleep(20000);
        // The lease is looked at before the entry: a holder that stored and left between the
        // two looks is then still found by the second.
        holderGone = !g_store->get(lock);
        bool s2 = false;
        res = tryStored(r, ctx, d, &s2);
        if (res != DECLINED) {
          count(&cache::CacheShared::coalesced);
          return res;
        }
      }  // the holder gave up (or took too long): go to the member ourselves
    }
  }
  if (stale) addValidators(r, ctx);
  ap_add_output_filter_handle(g_saveFilter, ctx, r, r->connection);
  return DECLINED;
}

apr_status_t sinkFilter(ap_filter_t*, apr_bucket_brigade* bb) {
  apr_brigade_cleanup(bb);
  return APR_SUCCESS;
}

// After the response went out: the stale-while-revalidate refresh this request won, if any.
int refreshAfterResponse(request_rec* r) {
  return guarded<int>(r->server, "cache refresh", DECLINED, [&] {
    Ctx* ctx = ctxOf(r);
    if (ctx == nullptr || ctx->refreshLease.empty() || !g_store) return DECLINED;
    // Another request may have refreshed it between our stale lookup and our lease: then the
    // stored copy is fresh again and there is nothing to do.
    std::optional<Entry> current = fetch(ctx->fullKey);
    bool refreshed = current && (current->bodyId != ctx->stored->bodyId ||
                                 current->responseTime != ctx->stored->responseTime);
    if (refreshed) {
      g_store->remove(ctx->refreshLease);
      ctx->refreshLease.clear();
      return DECLINED;
    }
    auto* sink = static_cast<ap_filter_t*>(apr_pcalloc(r->pool, sizeof(ap_filter_t)));
    sink->frec = g_sinkFilter;
    sink->c = r->connection;
    request_rec* rr = ap_sub_req_method_uri("GET", r->unparsed_uri, r, sink);
    if (rr != nullptr) {
      sink->r = rr;
      apr_pool_userdata_setn(ctx, kRefreshNote, nullptr, rr->pool);
      if (rr->status == HTTP_OK) {
        ap_run_sub_req(rr);
        // A subrequest's end of stream stops at its core filter, before ours: finish here.
        Ctx* sub = ctxOf(rr);
        if (sub != nullptr && sub->storing) {
          finishStoring(sub);
          sub->storing = false;
        }
      }
      ap_destroy_sub_req(rr);
    }
    g_store->remove(ctx->refreshLease);
    ctx->refreshLease.clear();
    return DECLINED;
  });
}

cache::ResponseFacts factsOfResponse(request_rec* r) {
  cache::ResponseFacts f =
      cache::factsOf(r->status, headerList(apr_table_overlay(r->pool, r->err_headers_out, r->headers_out)));
  f.hasAuthorizationRequest = apr_table_get(r->headers_in, "Authorization") != nullptr;
  return f;
}

// The tag's current generation; a tag never seen (or evicted) starts at a random one, so an old
// entry recorded under an evicted counter never matches again.
std::optional<uint64_t> tagGeneration(const std::string& tag) {
  std::string key = cache::tagKey(kPrefix, tag);
  std::optional<std::string> g = g_store->get(key);
  if (!g) {
    g_store->add(key, std::to_string(randomWord() >> 1), 0);
    g = g_store->get(key);
  }
  if (!g) return std::nullopt;
  return std::strtoull(g->c_str(), nullptr, 10);
}

// Decides, on the response's first bytes, whether and where to store it.
void startStoring(request_rec* r, Ctx* ctx) {
  cache::ResponseFacts f = factsOfResponse(r);
  cache::Limits limits = limitsOf(dirConfig(r));
  std::string why = cache::whyNotStorable("GET", f, limits);
  if (!why.empty()) {
    count(&cache::CacheShared::uncacheable);
    setStatusHeader(r, std::string("fwd=") + ctx->fwd + "; detail=" + why);
    return;
  }
  int64_t lifetime = cache::freshnessLifetime(f, limits);
  ctx->ttl = cache::storageTtl(f, limits);
  if (ctx->ttl <= 0) {
    setStatusHeader(r, std::string("fwd=") + ctx->fwd + "; detail=stale-at-once");
    return;
  }
  std::vector<std::string> names = cache::varyNames(f.vary);
  if (!names.empty()) {
    ctx->fullKey = cache::variantKey(ctx->primary, names, requestValues(r, names));
    Entry manifest;
    manifest.kind = Entry::Kind::kVaryManifest;
    manifest.key = ctx->primary;
    manifest.vary = names;
    g_store->set(cache::storageKey(kPrefix, ctx->primary), cache::encodeEntry(manifest), ctx->ttl);
    if (g_local) g_local->put(ctx->primary, manifest);
  } else {
    ctx->fullKey = ctx->primary;
  }
  Entry& e = ctx->entry;
  e.key = ctx->fullKey;
  e.status = r->status;
  e.requestTime = ctx->requestTime;
  e.responseTime = wallNow();
  common::HeaderList all = headerList(apr_table_overlay(r->pool, r->err_headers_out, r->headers_out));
  e.headers = cache::storableHeaders(all);
  if (r->content_type != nullptr && e.header("Content-Type").empty()) {
    e.headers.emplace_back("Content-Type", r->content_type);
  }
  for (const std::string& tag : cache::surrogateKeys(all)) {
    std::optional<uint64_t> g = tagGeneration(tag);
    if (!g) {
      setStatusHeader(r, std::string("fwd=") + ctx->fwd + "; detail=tag-unavailable");
      return;  // without its generation a purge by this tag could not reach the entry
    }
    e.tags.emplace_back(tag, *g);
  }
  e.bodyId = (*g_rng)();
  ctx->storing = true;
  setStatusHeader(r, std::string("fwd=") + ctx->fwd + "; stored; " + ttlText(lifetime));
}

// Appends body bytes; full chunks go to memcached as they fill, so memory stays at one chunk.
bool storeBytes(Ctx* ctx, const char* data, size_t len) {
  Entry& e = ctx->entry;
  if (e.bodySize + len > ctx->maxObject) return false;
  e.bodySize += len;
  ctx->pending.append(data, len);
  while (ctx->pending.size() >= kChunkSize) {
    std::string chunk = ctx->pending.substr(0, kChunkSize);
    ctx->pending.erase(0, kChunkSize);
    if (!g_store->set(cache::chunkKey(kPrefix, ctx->fullKey, e.bodyId, e.chunkCount),
                      cache::encodeChunk(e.bodyId, e.chunkCount, chunk), ctx->ttl)) {
      return false;
    }
    ++e.chunkCount;
  }
  return true;
}

void finishStoring(Ctx* ctx) {
  Entry& e = ctx->entry;
  bool ok = true;
  if (e.chunkCount == 0) {
    e.body.swap(ctx->pending);
  } else {
    e.chunkSize = static_cast<uint32_t>(kChunkSize);
    if (!ctx->pending.empty()) {
      ok = g_store->set(cache::chunkKey(kPrefix, ctx->fullKey, e.bodyId, e.chunkCount),
                        cache::encodeChunk(e.bodyId, e.chunkCount, ctx->pending), ctx->ttl);
      ++e.chunkCount;
    }
  }
  // The entry last: a reader never finds an entry whose chunks are not all there.
  ok = ok && g_store->set(cache::storageKey(kPrefix, ctx->fullKey), cache::encodeEntry(e), ctx->ttl);
  count(ok ? &cache::CacheShared::stores : &cache::CacheShared::storeFailures);
  if (ok) count(&cache::CacheShared::bytesStored, e.bodySize);
  if (ok && g_local && e.chunkCount == 0) g_local->put(ctx->fullKey, e);
}

// A 304 from the member for a stored response: refresh its headers and serve its body.
apr_status_t answerFromRevalidated(ap_filter_t* f, Ctx* ctx, apr_bucket_brigade* in) {
  request_rec* r = f->r;
  Entry e = std::move(*ctx->stored);
  ctx->stored.reset();
  cache::refreshFrom304(&e, headerList(apr_table_overlay(r->pool, r->err_headers_out, r->headers_out)),
                        ctx->requestTime, wallNow());
  std::optional<std::string> body = bodyOf(ctx, e);
  apr_brigade_cleanup(in);
  ap_remove_output_filter(f);
  if (!body) {
    // The stored body vanished meanwhile: nothing to answer the 304 with. Fail this response
    // (the client retries, and will miss).
    return ap_pass_brigade(f->next, in);
  }
  cache::Limits limits = limitsOf(dirConfig(r));
  cache::ResponseFacts facts = cache::storedFacts(e);
  int64_t lifetime = cache::freshnessLifetime(facts, limits);
  g_store->set(cache::storageKey(kPrefix, ctx->fullKey), cache::encodeEntry(e), cache::storageTtl(facts, limits));
  if (g_local && e.chunkCount == 0) g_local->put(ctx->fullKey, e);
  count(&cache::CacheShared::revalidated);
  becomeStored(r, e, 0, "fwd=stale; fwd-status=304; " + ttlText(lifetime), body->size());
  return ap_pass_brigade(f->next, bodyBrigade(r, *body));
}

apr_status_t saveFilter(ap_filter_t* f, apr_bucket_brigade* in) {
  request_rec* r = f->r;
  auto* ctx = static_cast<Ctx*>(f->ctx);
  bool handled = false;
  apr_status_t rv = guarded<apr_status_t>(r->server, "cache store", APR_SUCCESS, [&]() -> apr_status_t {
    if (!ctx->decided) {
      ctx->decided = true;
      if (ctx->revalidating && r->status == HTTP_NOT_MODIFIED && ctx->stored) {
        handled = true;
        return answerFromRevalidated(f, ctx, in);
      }
      if (ctx->stored && r->status >= 500 && ctx->staleIfError > 0) {
        // Fresh enough for stale-if-error? (checked against the stored response's own age)
        cache::Decision dec = cache::decide(cache::storedFacts(*ctx->stored), ctx->stored->requestTime,
                                            ctx->stored->responseTime, "", "", wallNow(), limitsOf(dirConfig(r)));
        if (-dec.ttl <= dec.staleIfError) {
          handled = true;
          Entry e = std::move(*ctx->stored);
          ctx->stored.reset();
          std::optional<std::string> body = bodyOf(ctx, e);
          if (body) {
            apr_brigade_cleanup(in);
            ap_remove_output_filter(f);
            becomeStored(r, e, dec.age, "hit; " + ttlText(dec.ttl) + "; detail=stale-if-error", body->size());
            count(&cache::CacheShared::staleServed);
            return ap_pass_brigade(f->next, bodyBrigade(r, *body));
          }
          handled = false;
        }
      }
      if (!r->header_only) startStoring(r, ctx);
    }
    if (!ctx->storing) return APR_SUCCESS;
    for (apr_bucket* b = APR_BRIGADE_FIRST(in); b != APR_BRIGADE_SENTINEL(in); b = APR_BUCKET_NEXT(b)) {
      if (APR_BUCKET_IS_EOS(b)) {
        finishStoring(ctx);
        ctx->storing = false;
        break;
      }
      if (APR_BUCKET_IS_METADATA(b)) continue;
      const char* data = nullptr;
      apr_size_t len = 0;
      if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) != APR_SUCCESS || !storeBytes(ctx, data, len)) {
        ctx->storing = false;  // too big, or memcached failed: the response goes on unstored
        count(&cache::CacheShared::storeFailures);
        break;
      }
    }
    return APR_SUCCESS;
  });
  if (handled) return rv;
  if (!ctx->storing && ctx->decided) {
    if (!ctx->lockKey.empty()) {
      g_store->remove(ctx->lockKey);
      ctx->lockKey.clear();
    }
    ap_remove_output_filter(f);
  }
  return ap_pass_brigade(f->next, in);
}

// Unsafe methods: a successful one invalidates the URL and its Location / Content-Location.
apr_status_t invalidateFilter(ap_filter_t* f, apr_bucket_brigade* in) {
  request_rec* r = f->r;
  guarded<int>(r->server, "cache invalidate", 0, [&] {
    if (r->status >= 200 && r->status < 400 && g_store) {
      std::string primary = primaryKeyOf(r);
      std::vector<std::string> gone = {primary};
      g_store->remove(cache::storageKey(kPrefix, primary));
      for (const char* h : {"Location", "Content-Location"}) {
        const char* v = apr_table_get(r->headers_out, h);
        if (v == nullptr || *v == '\0') continue;
        apr_uri_t u;
        if (apr_uri_parse(r->pool, v, &u) != APR_SUCCESS || u.path == nullptr) continue;
        // Only the same host (RFC 9111 4.4).
        if (u.hostname != nullptr && r->hostname != nullptr && strcasecmp(u.hostname, r->hostname) != 0) continue;
        std::string target = std::string(u.path) + (u.query ? std::string("?") + u.query : "");
        std::string base = primary.substr(0, primary.size() - std::strlen(r->unparsed_uri));
        g_store->remove(cache::storageKey(kPrefix, base + target));
        gone.push_back(base + target);
      }
      invalidateTiers(gone);
    }
    return 0;
  });
  ap_remove_output_filter(f);
  return ap_pass_brigade(f->next, in);
}

// Error responses (a member that is down) pass the stored copy's stale-if-error check here.
void insertErrorFilter(request_rec* r) {
  Ctx* ctx = ctxOf(r);
  if (ctx != nullptr && ctx->stored && ctx->staleIfError > 0 && !ctx->decided) {
    ap_add_output_filter_handle(g_saveFilter, ctx, r, r->connection);
  }
}

void reportServer(size_t i, bool down, const std::string& detail) {
  std::string name = g_store ? g_store->serverName(i) : "?";
  if (down) {
    FLEET_LOG_S(APLOG_WARNING, 0, nullptr, 00020, "memcached %s failed (%s): its keys are misses, "
                "retried after the back-off", name.c_str(), detail.c_str());
  } else {
    FLEET_LOG_S(APLOG_NOTICE, 0, nullptr, 00021, "memcached %s is %s again", name.c_str(), detail.c_str());
  }
}

apr_status_t stopCache(void*) {
  if (g_poller != nullptr) {
    g_poller->stop();
    delete g_poller;
    g_poller = nullptr;
  }
  g_follower.reset();
  g_local.reset();
  g_noTier.reset();
  g_store.reset();
  delete g_rng;
  g_rng = nullptr;
  return APR_SUCCESS;
}

}  // namespace

const char* setCacheServers(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
    common::Result<std::vector<std::pair<std::string, int>>> s = cache::parseServers(arg);
    if (!s.isOk()) return apr_psprintf(cmd->pool, "FleetCacheServers: %s", s.status().message().c_str());
    globals(cmd->pool).servers = arg;
    return nullptr;
  });
}

const char* setCacheTimeout(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> v = common::parseDurationMicros(arg);
    if (!v.isOk() || v.value() < 1000 || v.value() > 10000000) {
      return apr_psprintf(cmd->pool, "FleetCacheTimeout: '%s' is not valid; accepted: 1ms to 10s, e.g. 100ms", arg);
    }
    globals(cmd->pool).timeoutMicros = v.value();
    return nullptr;
  });
}

const char* setCacheRetry(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    common::Result<int64_t> v = common::parseDurationMicros(arg);
    if (!v.isOk() || v.value() < 100000) {
      return apr_psprintf(cmd->pool, "FleetCacheRetry: '%s' is not valid; accepted: 100ms or more, e.g. 5s", arg);
    }
    globals(cmd->pool).retryMicros = v.value();
    return nullptr;
  });
}

const char* setCacheLocalSize(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(cmd->server, cmd->cmd->name, "directive failed", [&]() -> const char* {
    if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
    common::Result<uint64_t> v = common::parseSizeBytes(arg);
    if (!v.isOk()) {
      return apr_psprintf(cmd->pool, "FleetCacheLocalSize: '%s' is not valid; accepted: a size such as "
                          "16M, or 0 (off)", arg);
    }
    globals(cmd->pool).localBytes = v.value();
    return nullptr;
  });
}

const char* setCacheQuickHandler(cmd_parms* cmd, void*, int on) {
  if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
  globals(cmd->pool).quick = on != 0;
  return nullptr;
}

std::string purgeFromStatusPage(request_rec* r, const std::string& what) {
  return guarded<std::string>(r->server, "cache purge", "failed: internal error", [&]() -> std::string {
    if (!g_store) return "no cache configured (FleetCacheServers)";
    count(&cache::CacheShared::purges);
    if (what.rfind("tag:", 0) == 0) {
      std::string tag = what.substr(4);
      if (tag.empty() || tag.find_first_of(" \t\r\n") != std::string::npos) return "not a tag: " + what;
      if (!g_store->increment(cache::tagKey(kPrefix, tag), randomWord() >> 1)) {
        return "failed: memcached did not answer";
      }
      if (g_follower) g_follower->invalidateEverything();
      return "purged tag " + tag;
    }
    if (what.empty() || what[0] != '/') return "not a URL path: " + what + " (give /path?query or tag:name)";
    bool https = ap_ssl_conn_is_ssl(r->connection->master ? r->connection->master : r->connection) != 0;
    const char* host = r->hostname != nullptr ? r->hostname : r->server->server_hostname;
    std::string primary = cache::primaryKey(https ? "https" : "http", host ? host : "", ap_get_server_port(r), what);
    if (!g_store->remove(cache::storageKey(kPrefix, primary))) return "failed: memcached did not answer";
    invalidateTiers({primary});
    return "purged " + primary;
  });
}

std::vector<std::string> cacheServerNames() {
  std::vector<std::string> out;
  if (g_conf == nullptr || g_conf->servers.empty()) return out;
  common::Result<std::vector<std::pair<std::string, int>>> s = cache::parseServers(g_conf->servers);
  if (!s.isOk()) return out;
  for (const auto& [host, port] : s.value()) out.push_back(host + ":" + std::to_string(port));
  return out;
}

void startCache(apr_pool_t* pchild, server_rec* s) {
  if (g_conf == nullptr || g_conf->servers.empty()) return;
  cache::StoreConfig cfg;
  cfg.servers = cache::parseServers(g_conf->servers).value();
  cfg.connectTimeoutMicros = g_conf->timeoutMicros;
  cfg.ioTimeoutMicros = g_conf->timeoutMicros;
  cfg.backoffMicros = g_conf->retryMicros;
  common::Result<std::unique_ptr<cache::Store>> store = cache::Store::create(cfg, cacheShared(), g_clock, reportServer);
  if (!store.isOk()) {
    FLEET_LOG_S(APLOG_ERR, 0, s, 00022, "the shared cache is off in this child: %s",
                store.status().message().c_str());
    return;
  }
  g_store = std::move(store.value());
  if (g_conf->localBytes > 0) {
    g_local = std::make_unique<cache::LocalTier>(g_conf->localBytes);
  } else {
    g_noTier = std::make_unique<cache::LocalTier>(0);  // publishes for the fleet's other tiers
  }
  cache::CacheShared* shared = cacheShared();
  g_follower = std::make_unique<cache::TierFollower>(g_local ? *g_local : *g_noTier,
                                                     shared != nullptr ? &shared->invalidations : nullptr,
                                                     *g_store, kPrefix, randomWord);
  if (g_local) {
    g_poller = new InvalidationPoller();
    g_poller->start();
  }
  g_rng = new std::mt19937_64(std::random_device{}() ^ (static_cast<uint64_t>(getpid()) << 32));
  apr_pool_cleanup_register(pchild, nullptr, stopCache, apr_pool_cleanup_null);
}

void registerCacheHooks() {
  ap_hook_handler(lookupHandler, nullptr, nullptr, APR_HOOK_REALLY_FIRST);
  ap_hook_quick_handler(quickHandler, nullptr, nullptr, APR_HOOK_FIRST);
  ap_hook_log_transaction(refreshAfterResponse, nullptr, nullptr, APR_HOOK_LAST);
  g_sinkFilter = ap_register_output_filter("FLEET_CACHE_SINK", sinkFilter, nullptr, AP_FTYPE_NETWORK);
  ap_hook_insert_error_filter(insertErrorFilter, nullptr, nullptr, APR_HOOK_MIDDLE);
  // After content filters such as mod_deflate (which adds its Vary), before the protocol ones.
  g_saveFilter = ap_register_output_filter("FLEET_CACHE_SAVE", saveFilter, nullptr,
                                           static_cast<ap_filter_type>(AP_FTYPE_CONTENT_SET + 5));
  g_invalidateFilter = ap_register_output_filter("FLEET_CACHE_INVALIDATE", invalidateFilter, nullptr,
                                                 static_cast<ap_filter_type>(AP_FTYPE_CONTENT_SET + 5));
}

}  // namespace fleet::glue
