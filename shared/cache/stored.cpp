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

ResponseFacts factsOf(int status, const common::HeaderList& headers) {
  ResponseFacts f;
  f.status = status;
  f.cacheControl = common::combinedField(headers, "Cache-Control");
  f.pragma = common::combinedField(headers, "Pragma");
  f.vary = common::combinedField(headers, "Vary");
  f.expires = common::firstField(headers, "Expires");
  f.date = common::firstField(headers, "Date");
  f.lastModified = common::firstField(headers, "Last-Modified");
  f.age = common::firstField(headers, "Age");
  f.etag = common::firstField(headers, "ETag");
  for (const auto& kv : headers) {
    if (is(kv.first, "Set-Cookie") || is(kv.first, "Set-Cookie2")) f.hasSetCookie = true;
  }
  return f;
}

ResponseFacts storedFacts(const Entry& e) { return factsOf(e.status, e.headers); }

std::vector<std::string> surrogateKeys(const common::HeaderList& headers) {
  std::vector<std::string> tags;
  for (const auto& [k, v] : headers) {
    if (!is(k, "Surrogate-Key")) continue;
    size_t i = 0;
    while (i < v.size()) {
      while (i < v.size() && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) ++i;
      size_t start = i;
      while (i < v.size() && v[i] != ' ' && v[i] != '\t' && v[i] != ',') ++i;
      if (i > start) {
        std::string tag = v.substr(start, i - start);
        if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
      }
    }
  }
  return tags;
}

common::HeaderList storableHeaders(const common::HeaderList& headers) {
  std::vector<std::string> hopByHop;
  for (const std::string& n : common::splitList(common::combinedField(headers, "Connection"))) {
    hopByHop.push_back(common::toLower(n));
  }
  common::HeaderList out;
  for (const auto& kv : headers) {
    if (!keptInEntry(kv.first) || listed(hopByHop, common::toLower(kv.first))) continue;
    out.push_back(kv);
  }
  return out;
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
