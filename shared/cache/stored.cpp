#include "shared/cache/stored.h"

#include <strings.h>

#include <algorithm>

#include "shared/cache/http_date.h"
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

ResponseFacts factsOf(int status, const common::HeaderList& headers, const Limits& limits,
                      int64_t now) {
  ResponseFacts f;
  f.status = status;
  // RFC 9213: the first targeted field with a value decides; Cache-Control and Expires then
  // do not.
  for (std::string_view field :
       {limits.targetedField,
        std::string_view(limits.cdnCacheControl ? "CDN-Cache-Control" : "")}) {
    if (field.empty()) {
      continue;
    }
    std::string v = common::combinedField(headers, field);
    if (!v.empty()) {
      f.cacheControl = v;
      f.targeted = true;
      break;
    }
  }
  if (!f.targeted) {
    f.cacheControl = common::combinedField(headers, "Cache-Control");
  }
  f.pragma = common::combinedField(headers, "Pragma");
  f.vary = common::combinedField(headers, "Vary");
  size_t expiresLines = 0;
  for (const auto& kv : headers) {
    if (is(kv.first, "Set-Cookie") || is(kv.first, "Set-Cookie2")) {
      f.hasSetCookie = true;
    }
    if (is(kv.first, "Expires")) {
      ++expiresLines;
    }
  }
  f.hasExpires = expiresLines > 0;
  if (expiresLines == 1) {
    f.expires = parseHttpDate(common::firstField(headers, "Expires"), now);
  }
  auto date = [&](const char* name) -> std::optional<int64_t> {
    std::string v = common::firstField(headers, name);
    return v.empty() ? std::nullopt : parseHttpDate(v, now);
  };
  f.date = date("Date");
  f.lastModified = date("Last-Modified");
  f.age = parseAge(common::firstField(headers, "Age"));
  f.etag = common::firstField(headers, "ETag");
  f.cc = parseCacheControl(f.cacheControl);
  f.ccParsed = true;
  return f;
}

ResponseFacts storedFacts(const Entry& e, const Limits& limits) {
  ResponseFacts f = factsOf(e.status, e.headers, limits, e.responseTime);
  f.age = e.age;
  return f;
}

StoredReading readStored(const Entry& e, const Limits& limits) {
  StoredReading r;
  r.facts = storedFacts(e, limits);
  auto sent = std::make_shared<common::HeaderList>();
  for (const auto& kv : e.headers) {
    if (sentFromCache(kv.first, r.facts.cc, limits)) {
      sent->push_back(kv);
    }
  }
  r.sent = std::move(sent);
  return r;
}

std::vector<std::string> surrogateKeys(const common::HeaderList& headers) {
  std::vector<std::string> tags;
  for (const auto& [k, v] : headers) {
    if (!is(k, "Surrogate-Key")) {
      continue;
    }
    size_t i = 0;
    while (i < v.size()) {
      while (i < v.size() && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) {
        ++i;
      }
      size_t start = i;
      while (i < v.size() && v[i] != ' ' && v[i] != '\t' && v[i] != ',') {
        ++i;
      }
      if (i > start) {
        std::string tag = v.substr(start, i - start);
        if (std::find(tags.begin(), tags.end(), tag) == tags.end()) {
          tags.push_back(std::move(tag));
        }
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
    if (!keptInEntry(kv.first) || listed(hopByHop, common::toLower(kv.first))) {
      continue;
    }
    out.push_back(kv);
  }
  return out;
}

bool keptInEntry(std::string_view name) {
  for (const char* skip : {"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
                           "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Connection",
                           "Content-Length", "Age", "Set-Cookie", "Set-Cookie2", "Cache-Status"}) {
    if (is(name, skip)) {
      return false;
    }
  }
  return true;
}

bool sentFromCache(std::string_view name, const CacheControl& cc, const Limits& limits) {
  if (!keptInEntry(name) ||
      (!limits.targetedField.empty() && common::sameFieldName(name, limits.targetedField))) {
    return false;
  }
  std::string lower = common::toLower(name);
  return !listed(cc.noCacheFields, lower) && !listed(cc.privateFields, lower);
}

int64_t storageTtl(const ResponseFacts& f, const Limits& limits) {
  CacheControl cc = ccOf(f);
  int64_t keep = std::max(cc.staleWhileRevalidate.value_or(limits.defaultStaleWhileRevalidate),
                          cc.staleIfError.value_or(limits.defaultStaleIfError));
  bool validators = !f.etag.empty() || f.lastModified.has_value();
  return std::min<int64_t>(
      kMaxTtl, freshnessLifetime(f, limits) + keep + (validators ? kRevalidationWindow : 0));
}

void freshenFrom304(Entry* e, const common::HeaderList& fresh, int64_t requestTime,
                    int64_t responseTime) {
  common::HeaderList kept = storableHeaders(fresh);
  std::vector<std::string> replaced;
  for (const auto& kv : kept) {
    replaced.push_back(common::toLower(kv.first));
  }
  e->headers.erase(
      std::remove_if(e->headers.begin(), e->headers.end(),
                     [&](const auto& kv) { return listed(replaced, common::toLower(kv.first)); }),
      e->headers.end());
  e->headers.insert(e->headers.end(), kept.begin(), kept.end());
  e->age = parseAge(common::firstField(fresh, "Age"));
  e->requestTime = requestTime;
  e->responseTime = responseTime;
}

}  // namespace fleet::cache
