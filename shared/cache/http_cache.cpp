#include "shared/cache/http_cache.h"

#include "shared/cache/exchange.h"
#include "shared/cache/stored.h"
#include "shared/common/parse.h"

namespace fleet::cache {

common::HeaderList Answer::allHeaders() const {
  common::HeaderList all = stored != nullptr ? *stored : common::HeaderList();
  all.insert(all.end(), headers.begin(), headers.end());
  return all;
}

std::unique_ptr<CacheExchange> HttpCache::begin(CacheRequest request,
                                                const CacheSettings& settings) {
  return std::make_unique<CacheExchange>(*this, std::move(request), settings);
}

std::unique_ptr<CacheExchange> HttpCache::beginRefresh(const CacheExchange& served) {
  CacheRequest req = served.req_;
  // The refresh asks for the stored response's URL as is: not this client's conditions.
  for (const char* h :
       {"If-None-Match", "If-Modified-Since", "Cache-Control", "Pragma", "Range", "If-Range"}) {
    req.headers.erase(
        std::remove_if(req.headers.begin(), req.headers.end(),
                       [&](const auto& kv) { return common::sameFieldName(kv.first, h); }),
        req.headers.end());
  }
  req.method = "GET";
  req.headOnly = false;
  auto ex = std::make_unique<CacheExchange>(*this, std::move(req), served.settings_);
  ex->refresh_ = true;
  ex->stale_ = served.stale_;
  ex->staleIfError_ = served.staleIfError_;
  ex->manifestStaleSince_ = served.manifestStaleSince_;
  ex->fullKey_ = served.fullKey_;
  ex->fwd_ = "stale";
  return ex;
}

std::optional<uint64_t> HttpCache::tagGeneration(const std::string& tag) {
  std::string key = keys_.tag(tag);
  std::optional<std::string> g = d_.store.get(key);
  if (!g) {
    // A tag never seen (or evicted) starts at a random generation, so an entry recorded under an
    // evicted counter never matches again.
    d_.store.add(key, std::to_string(d_.random() >> 2), 0);
    g = d_.store.get(key);
  }
  if (!g) {
    return std::nullopt;
  }
  return std::strtoull(g->c_str(), nullptr, 10);
}

std::string HttpCache::purgeTags(const std::vector<std::string>& tags, bool soft, bool* ok) {
  std::string done;
  *ok = true;
  for (const std::string& tag : tags) {
    // Every response stored with this tag is stale fleet-wide at once: its recorded generation
    // no longer matches (no scan of memcached). A soft purge marks the new generation, and the
    // entries one generation behind are served stale while one request refreshes them.
    std::optional<uint64_t> g = d_.store.increment(keys_.tag(tag), d_.random() >> 2);
    if (!g || (soft && !d_.store.set(keys_.softTag(tag, *g), "1", 30 * 86400))) {
      *ok = false;
      return "memcached did not answer";
    }
    done += (done.empty() ? "" : " ") + tag;
  }
  if (d_.follower != nullptr) {
    d_.follower->invalidateEverything();  // tiers cannot tell tags apart
  }
  count(&CacheShared::purges);
  return (soft ? "soft-purged tag " : "purged tag ") + done;
}

std::string HttpCache::purgeUrl(const std::string& primary, bool soft, bool* ok) {
  *ok = true;
  if (!soft) {
    // The primary key holds the response or the Vary manifest every variant is reached through.
    if (!d_.store.remove(keys_.entry(primary))) {
      *ok = false;
      return "memcached did not answer";
    }
  } else {
    std::string key = keys_.entry(primary);
    KeyValueStore::Found found = KeyValueStore::Found::kMiss;
    std::string bytes;
    found = d_.store.read(key, &bytes);
    if (found == KeyValueStore::Found::kError) {
      *ok = false;
      return "memcached did not answer";
    }
    common::Result<Entry> e = found == KeyValueStore::Found::kHit ? decodeEntry(bytes, primary)
                                                                  : common::Result<Entry>(Entry());
    if (found == KeyValueStore::Found::kHit && e.isOk() &&
        e.value().kind != Entry::Kind::kHitForMiss) {
      // Stale from now on (a manifest marks every variant), kept as long as it could be used.
      Entry& entry = e.value();
      entry.staleSince = nowSeconds();
      int64_t keep = entry.kind == Entry::Kind::kResponse
                         ? storageTtl(storedFacts(entry, Limits()), Limits())
                         : 0;
      d_.store.set(key, encodeEntry(entry), std::max<int64_t>(keep, 86400));
    }
  }
  if (d_.follower != nullptr) {
    d_.follower->invalidate({primary});
  }
  count(&CacheShared::purges);
  return (soft ? "soft-purged " : "purged ") + primary;
}

std::string HttpCache::purgeFromPage(const std::string& scheme, const std::string& host, int port,
                                     const std::string& what) {
  bool ok = false;
  std::string out;
  if (what.rfind("tag:", 0) == 0) {
    std::string tag = what.substr(4);
    if (tag.empty() || tag.find_first_of(" \t\r\n") != std::string::npos) {
      return "not a tag: " + what;
    }
    out = purgeTags({tag}, false, &ok);
  } else if (what.empty() || what[0] != '/') {
    return "not a URL path: " + what + " (give /path?query or tag:name)";
  } else {
    out = purgeUrl(primaryKey(scheme, host, port, what), false, &ok);
  }
  return ok ? out : "failed: " + out;
}

CacheExchange::Lookup CacheExchange::purge() {
  Lookup l;
  l.step = Step::kReply;
  l.answer.headers.emplace_back("Content-Type", "text/plain");
  if (!settings_.purge) {
    l.answer.status = 405;
    return l;
  }
  std::string soft =
      common::toLower(common::trimSpaces(common::firstField(req_.headers, "Fleet-Soft-Purge")));
  bool isSoft = settings_.softPurge ? soft != "0" && soft != "off" : (soft == "1" || soft == "on");
  std::vector<std::string> tags = surrogateKeys(req_.headers);
  bool ok = false;
  std::string text =
      tags.empty() ? cache_.purgeUrl(primary_, isSoft, &ok) : cache_.purgeTags(tags, isSoft, &ok);
  l.answer.status = ok ? 200 : 503;
  auto body = std::make_shared<const std::string>(text + "\n");
  l.answer.headers.emplace_back("Content-Length", std::to_string(body->size()));
  l.answer.body.push_back({body, 0, body->size()});
  return l;
}

}  // namespace fleet::cache
