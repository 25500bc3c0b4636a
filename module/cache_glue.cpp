// The shared cache in httpd: request_rec and brigades to and from shared/cache's HttpCache, the
// hooks and filters that call it, and one engine per child. Every decision is the core's.
#include "module/cache_glue.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "module/background_thread.h"
#include "module/config_glue.h"
#include "module/guard.h"
#include "module/member_table_glue.h"
#include "module/request_context.h"
#include "module/tables.h"
#include "module/tls_connection.h"
#include "shared/cache/exchange.h"
#include "shared/cache/http_cache.h"
#include "shared/cache/store.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using cache::CacheExchange;
using config::Id;

// HTTP times are wall-clock times.
class WallClock : public common::Clock {
 public:
  int64_t nowMicros() const override { return apr_time_now(); }
};

// One per child: the memcached pool, the memory tier, the invalidation follower and its poller.
struct Child {
  WallClock clock;
  std::unique_ptr<cache::Store> store;
  std::unique_ptr<cache::LocalTier> tier;
  std::unique_ptr<cache::TierFollower> follower;
  std::unique_ptr<cache::HttpCache> engine;
  BackgroundThread poller;  // polls memcached's invalidation log for the memory tier
  bool quick = false;       // FleetCacheQuickHandler
};
Child* g_child = nullptr;
ap_filter_rec_t* g_saveFilter = nullptr;
ap_filter_rec_t* g_sinkFilter = nullptr;

uint64_t randomWord() {
  uint64_t v = 0;
  apr_generate_random_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

const char* hostOf(request_rec* r) {
  const char* host = r->hostname != nullptr ? r->hostname : r->server->server_hostname;
  return host != nullptr ? host : "";
}

std::unique_ptr<CacheExchange> beginExchange(request_rec* r, const DirConfig& d) {
  cache::CacheRequest req;
  req.method = r->method;
  req.headOnly = r->header_only != 0;
  req.scheme = isHttps(r) ? "https" : "http";
  req.host = hostOf(r);
  req.port = ap_get_server_port(r);
  req.target = r->unparsed_uri != nullptr ? r->unparsed_uri : "/";
  req.headers = headerList(r->headers_in);
  return g_child->engine->begin(std::move(req), d.cacheSettings());
}

// A response the cache made (a stored one, a 304 from it, a PURGE's result) becomes r's.
// The body is not copied: each piece's data stays alive with the request's pool.
apr_status_t sendAnswer(request_rec* r, cache::Answer& a, ap_filter_t* next) {
  r->status = a.status;
  r->status_line = nullptr;
  apr_table_clear(r->headers_out);
  // The stored fields and the body pieces stay alive with the request's pool.
  auto* held = new cache::Answer(std::move(a));
  apr_pool_cleanup_register(
      r->pool, held,
      [](void* p) -> apr_status_t {
        delete static_cast<cache::Answer*>(p);
        return APR_SUCCESS;
      },
      apr_pool_cleanup_null);
  auto add = [r](const std::string& k, const char* v) {
    if (strcasecmp(k.c_str(), "Content-Type") == 0) {
      ap_set_content_type(r, v);
    } else {
      apr_table_addn(r->headers_out, k.c_str(), v);
    }
  };
  if (held->stored != nullptr) {
    for (const auto& [k, v] : *held->stored) {
      add(k, v.c_str());
    }
  }
  for (const auto& [k, v] : held->headers) {
    add(k, v.c_str());
  }
  apr_bucket_brigade* bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
  if (!held->body.empty()) {
    for (const cache::BodyPiece& piece : held->body) {
      APR_BRIGADE_INSERT_TAIL(
          bb, apr_bucket_pool_create(piece.data->data() + piece.offset, piece.length, r->pool,
                                     r->connection->bucket_alloc));
    }
  }
  APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(r->connection->bucket_alloc));
  return ap_pass_brigade(next, bb);
}

// What the exchange said to do before the member; DECLINED lets the request go on.
int act(request_rec* r, std::unique_ptr<CacheExchange> ex, bool quickOnly) {
  CacheExchange::Lookup l = ex->lookup(quickOnly);
  switch (l.step) {
    case CacheExchange::Step::kDecline:
      return DECLINED;
    case CacheExchange::Step::kGatewayTimeout:
      return HTTP_GATEWAY_TIME_OUT;
    case CacheExchange::Step::kServe:
    case CacheExchange::Step::kReply:
      sendAnswer(r, l.answer, r->output_filters);
      contextOf(r).cache = std::move(ex);  // a stale-while-revalidate refresh may be owed
      return OK;
    case CacheExchange::Step::kForward:
      break;
  }
  for (const std::string& h : l.unsetRequest) {
    apr_table_unset(r->headers_in, h.c_str());
  }
  for (const auto& [k, v] : l.setRequest) {
    apr_table_set(r->headers_in, k.c_str(), v.c_str());
  }
  contextOf(r).cache = std::move(ex);
  ap_add_output_filter_handle(g_saveFilter, nullptr, r, r->connection);
  return DECLINED;
}

// The member's response (or httpd's error response) streams through here.
apr_status_t saveFilter(ap_filter_t* f, apr_bucket_brigade* in) {
  request_rec* r = f->r;
  RequestContext* ctx = findContext(r);
  if (ctx == nullptr || !ctx->cache) {
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, in);
  }
  CacheExchange& ex = *ctx->cache;
  bool storing = f->ctx != nullptr;
  if (!storing) {
    CacheExchange::Reply reply;
    bool ok = guarded<bool>(r->server, "cache response", false, [&] {
      common::HeaderList headers =
          headerList(apr_table_overlay(r->pool, r->err_headers_out, r->headers_out));
      if (r->content_type != nullptr && common::firstField(headers, "Content-Type").empty()) {
        headers.emplace_back("Content-Type", r->content_type);
      }
      reply = ex.onResponse(r->status, headers);
      return true;
    });
    for (const std::string& h : reply.unsetResponse) {
      apr_table_unset(r->headers_out, h.c_str());
      apr_table_unset(r->err_headers_out, h.c_str());
    }
    for (const auto& [k, v] : reply.setResponse) {
      apr_table_set(r->headers_out, k.c_str(), v.c_str());
    }
    if (ok && reply.kind == CacheExchange::Reply::Kind::kReplace) {
      apr_brigade_cleanup(in);
      ap_remove_output_filter(f);
      return sendAnswer(r, reply.replacement, f->next);
    }
    if (!ok || reply.kind != CacheExchange::Reply::Kind::kStore) {
      ap_remove_output_filter(f);
      return ap_pass_brigade(f->next, in);
    }
    f->ctx = &ex;  // storing from now on
  }
  bool more = guarded<bool>(r->server, "cache store", false, [&] {
    for (apr_bucket* b = APR_BRIGADE_FIRST(in); b != APR_BRIGADE_SENTINEL(in);
         b = APR_BUCKET_NEXT(b)) {
      if (APR_BUCKET_IS_EOS(b)) {
        ex.finish();
        return false;
      }
      if (APR_BUCKET_IS_METADATA(b)) {
        continue;
      }
      const char* data = nullptr;
      apr_size_t len = 0;
      if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) != APR_SUCCESS) {
        return false;
      }
      if (!ex.append(std::string_view(data, len))) {
        return false;  // too big, or memcached failed
      }
    }
    return true;
  });
  if (!more) {
    ap_remove_output_filter(f);
  }
  return ap_pass_brigade(f->next, in);
}

apr_status_t sinkFilter(ap_filter_t*, apr_bucket_brigade* bb) {
  apr_brigade_cleanup(bb);
  return APR_SUCCESS;
}

void reportServer(size_t i, bool down, const std::string& detail) {
  std::string name = g_child != nullptr && g_child->store ? g_child->store->serverName(i) : "?";
  if (down) {
    FLEET_LOG_S(APLOG_WARNING, 0, nullptr, 00020,
                "memcached %s failed (%s): its keys are misses, "
                "retried after the back-off",
                name.c_str(), detail.c_str());
  } else {
    FLEET_LOG_S(APLOG_NOTICE, 0, nullptr, 00021, "memcached %s is %s again", name.c_str(),
                detail.c_str());
  }
}

}  // namespace

int lookupHandler(request_rec* r) {
  return guarded<int>(r->server, "cache lookup", DECLINED, [&] {
    if (g_child == nullptr || r->prev != nullptr) {
      return DECLINED;
    }
    if (r->main != nullptr) {
      // The background refresh of a stale-while-revalidate hit: a subrequest whose output goes
      // nowhere but into the cache.
      RequestContext* parent = findContext(r->main);
      if (parent == nullptr || !parent->cache || !parent->cache->owesRefresh()) {
        return DECLINED;
      }
      return act(r, g_child->engine->beginRefresh(*parent->cache), false);
    }
    const DirConfig& d = dirConfig(r);
    if (!d.flag(Id::kCache)) {
      return DECLINED;
    }
    return act(r, beginExchange(r, d), false);
  });
}

// FleetCacheQuickHandler on: fresh hits of responses the member marked public are answered
// before httpd maps and authorizes the request; anything else waits for the normal lookup.
int quickHandler(request_rec* r, int lookupOnly) {
  return guarded<int>(r->server, "cache quick lookup", DECLINED, [&] {
    if (g_child == nullptr || lookupOnly || r->main != nullptr || !g_child->quick ||
        r->method_number != M_GET) {
      return DECLINED;
    }
    ap_location_walk(r);  // FleetCache is set per <Location>
    const DirConfig& d = dirConfig(r);
    if (!d.flag(Id::kCache)) {
      return DECLINED;
    }
    return act(r, beginExchange(r, d), true);
  });
}

// Error responses (a member that is down) pass through the exchange too: stale-if-error.
void insertErrorFilter(request_rec* r) {
  RequestContext* ctx = findContext(r);
  if (ctx != nullptr && ctx->cache) {
    ap_add_output_filter_handle(g_saveFilter, nullptr, r, r->connection);
  }
}

// After the response went out: the stale-while-revalidate refresh this request won, if any.
int refreshAfterResponse(request_rec* r) {
  return guarded<int>(r->server, "cache refresh", DECLINED, [&] {
    RequestContext* ctx = findContext(r);
    if (ctx == nullptr || !ctx->cache || r->main != nullptr || !ctx->cache->refreshStillNeeded()) {
      return DECLINED;
    }
    auto* sink = static_cast<ap_filter_t*>(apr_pcalloc(r->pool, sizeof(ap_filter_t)));
    sink->frec = g_sinkFilter;
    sink->c = r->connection;
    request_rec* rr = ap_sub_req_method_uri("GET", r->unparsed_uri, r, sink);
    if (rr != nullptr) {
      sink->r = rr;
      if (rr->status == HTTP_OK) {
        ap_run_sub_req(rr);
        // A subrequest's end of stream stops at its own core filter, before ours: finish here.
        if (RequestContext* sub = findContext(rr); sub != nullptr && sub->cache) {
          sub->cache->finish();
        }
      }
      ap_destroy_sub_req(rr);
    }
    ctx->cache.reset();  // gives the refresh lease back
    return DECLINED;
  });
}

std::string purgeFromStatusPage(request_rec* r, const std::string& what) {
  return guarded<std::string>(
      r->server, "cache purge", "failed: internal error", [&]() -> std::string {
        if (g_child == nullptr) {
          return "no cache configured (FleetCacheServers)";
        }
        return g_child->engine->purgeFromPage(isHttps(r) ? "https" : "http", hostOf(r),
                                              ap_get_server_port(r), what);
      });
}

std::vector<std::string> cacheServerNames(server_rec* s) {
  std::vector<std::string> out;
  const auto* servers =
      serverSettings(s).object<std::vector<std::pair<std::string, int>>>(Id::kCacheServers);
  if (servers == nullptr) {
    return out;
  }
  for (const auto& [host, port] : *servers) {
    out.push_back(host + ":" + std::to_string(port));
  }
  return out;
}

cache::KeyValueStore* childStore() { return g_child != nullptr ? g_child->store.get() : nullptr; }

void startCache(apr_pool_t* pchild, server_rec* s) {
  const DirConfig& conf = serverSettings(s);
  const auto* servers = conf.object<std::vector<std::pair<std::string, int>>>(Id::kCacheServers);
  if (servers == nullptr || servers->empty()) {
    return;
  }
  auto child = std::make_unique<Child>();
  child->quick = conf.flag(Id::kCacheQuickHandler);
  const auto localBytes = static_cast<uint64_t>(conf.number(Id::kCacheLocalSize));
  cache::StoreConfig cfg;
  cfg.servers = *servers;
  cfg.connectTimeoutMicros = conf.number(Id::kCacheTimeout);
  cfg.ioTimeoutMicros = cfg.connectTimeoutMicros;
  cfg.backoffMicros = conf.number(Id::kCacheRetry);
  common::Result<std::unique_ptr<cache::Store>> store =
      cache::Store::create(cfg, cacheShared(), child->clock, reportServer);
  if (!store.isOk()) {
    FLEET_LOG_S(APLOG_ERR, 0, s, 00022, "the shared cache is off in this child: %s",
                store.status().message().c_str());
    return;
  }
  child->store = std::move(store.value());
  // Without a tier of its own, a child still publishes invalidations for the fleet's tiers.
  child->tier = std::make_unique<cache::LocalTier>(localBytes);
  cache::Keys keys("fl2:");
  cache::CacheShared* shared = cacheShared();
  child->follower = std::make_unique<cache::TierFollower>(
      *child->tier, shared != nullptr ? &shared->invalidations : nullptr, *child->store, keys,
      randomWord);
  cache::HttpCache::Deps deps{
      *child->store,
      localBytes > 0 ? child->tier.get() : nullptr,
      child->follower.get(),
      shared,
      child->clock,
      randomWord,
      [](int64_t micros) { std::this_thread::sleep_for(std::chrono::microseconds(micros)); }};
  child->engine = std::make_unique<cache::HttpCache>(std::move(deps), keys);
  g_child = child.release();
  if (localBytes > 0) {
    g_child->poller.start([] {
      do {
        g_child->follower->pollStore();
      } while (g_child->poller.sleepFor(std::chrono::milliseconds(50)));
    });
  }
  apr_pool_cleanup_register(
      pchild, nullptr,
      [](void*) -> apr_status_t {
        g_child->poller.stop();
        delete g_child;
        g_child = nullptr;
        return APR_SUCCESS;
      },
      apr_pool_cleanup_null);
}

void registerCacheFilters() {
  // Last of all: it only swallows what a replaced response would still have sent.
  g_sinkFilter =
      ap_register_output_filter("FLEET_CACHE_SINK", sinkFilter, nullptr, AP_FTYPE_NETWORK);
  // After content filters such as mod_deflate (which adds its Vary), before the protocol ones.
  g_saveFilter = ap_register_output_filter("FLEET_CACHE_SAVE", saveFilter, nullptr,
                                           static_cast<ap_filter_type>(AP_FTYPE_CONTENT_SET + 5));
}

}  // namespace fleet::glue
