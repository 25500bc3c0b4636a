#include "shared/cache/stored.h"

#include <strings.h>

#include <algorithm>

#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

bool is(std::string_view a, const char* b) {
  return a.size() == std::char_traits<char>::length(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

bool listed(const std::vector<std::string>& fields, const std::string& lower) {
  return std::find(fields.begin(), fields.end(), lower) != fields.end();
}

constexpr int64_t kMaxTtl = 30 * 86400;
constexpr int64_t kRevalidationWindow = 3600;

}  // namespace

ResponseFacts storedFacts(const Entry& e) {
  ResponseFacts f;
  f.status = e.status;
  for (const auto& [k, v] : e.headers) {
    if (is(k, "Cache-Control")) f.cacheControl += (f.cacheControl.empty() ? "" : ", ") + v;
  }
  f.expires = e.header("Expires");
  f.date = e.header("Date");
  f.lastModified = e.header("Last-Modified");
  f.age = e.header("Age");
  f.etag = e.header("ETag");
  f.vary = e.header("Vary");
  return f;
}

bool keptInEntry(std::string_view name) {
  for (const char* skip : {"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE",
                           "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Age", "Set-Cookie",
                           "Set-Cookie2", "Cache-Status"}) {
    if (is(name, skip)) return false;
  }
  return true;
}

bool sentFromCache(std::string_view name, const CacheControl& cc) {
  if (!keptInEntry(name)) return false;
  std::string lower = common::toLower(name);
  return !listed(cc.noCacheFields, lower) && !listed(cc.privateFields, lower);
}

int64_t storageTtl(const ResponseFacts& f, const Limits& limits) {
  CacheControl cc = parseCacheControl(f.cacheControl);
  int64_t keep = std::max(cc.staleWhileRevalidate.value_or(limits.defaultStaleWhileRevalidate),
                          cc.staleIfError.value_or(limits.defaultStaleIfError));
  bool validators = !f.etag.empty() || !f.lastModified.empty();
  return std::min<int64_t>(kMaxTtl, freshnessLifetime(f, limits) + keep + (validators ? kRevalidationWindow : 0));
}

void refreshFrom304(Entry* e, const std::vector<std::pair<std::string, std::string>>& fresh,
                    int64_t requestTime, int64_t responseTime) {
  for (const char* h : {"Cache-Control", "Date", "Expires", "ETag", "Last-Modified", "Vary"}) {
    auto it = std::find_if(fresh.begin(), fresh.end(), [&](const auto& kv) { return is(kv.first, h); });
    if (it == fresh.end()) continue;
    e->headers.erase(std::remove_if(e->headers.begin(), e->headers.end(),
                                    [&](const auto& kv) { return is(kv.first, h); }),
                     e->headers.end());
    e->headers.emplace_back(h, it->second);
  }
  e->requestTime = requestTime;
  e->responseTime = responseTime;
}

}  // namespace fleet::cache
