#include "shared/cache/policy.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "shared/cache/http_date.h"
#include "shared/common/headers.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

bool heuristicallyCacheable(int status) {
  switch (status) {
    case 200:
    case 203:
    case 204:
    case 300:
    case 301:
    case 308:
    case 404:
    case 405:
    case 410:
    case 414:
    case 501:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool isSafeMethod(std::string_view m) {
  for (const char* safe : {"GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "REPORT", "SEARCH"}) {
    if (m == safe) {
      return true;
    }
  }
  return false;
}

bool isMethodOverrideField(std::string_view name) {
  // Compared as gateways read names (case ignored, '_' and '.' as '-'), without copying: this
  // runs for every request header of every cached request.
  auto folds = [name](std::string_view canonical) {
    if (name.size() != canonical.size()) {
      return false;
    }
    for (size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
      if (c == '_' || c == '.') {
        c = '-';
      }
      if (c != canonical[i]) {
        return false;
      }
    }
    return true;
  };
  return folds("x-http-method-override") || folds("x-http-method") || folds("x-method-override");
}

CacheControl ccOf(const ResponseFacts& r) {
  return r.ccParsed ? r.cc : parseCacheControl(r.cacheControl);
}

std::string whyNotStorable(const std::string& method, const ResponseFacts& r,
                           const Limits& limits) {
  if (method != "GET") {
    return "method";
  }
  if (r.status < 200 || r.status == 206 || r.status == 304 || r.status > 599) {
    return "status";
  }
  if (!limits.statuses.contains(r.status)) {
    return "status";
  }
  CacheControl cc = ccOf(r);
  if (cc.noStore) {
    return "no-store";
  }
  if (cc.isPrivate) {
    return "private";
  }
  if (common::trimSpaces(r.vary) == "*" || r.vary.find('*') != std::string::npos) {
    return "vary-star";
  }
  if (r.hasAuthorizationRequest && !cc.isPublic && !cc.sMaxAge && !cc.mustRevalidate) {
    return "authorization";
  }
  if (r.hasSetCookie) {
    auto listed = [](const std::vector<std::string>& fields) {
      return std::find(fields.begin(), fields.end(), "set-cookie") != fields.end();
    };
    // Only stored when the member says Set-Cookie must not be reused (it is then dropped).
    if (!listed(cc.noCacheFields) && !listed(cc.privateFields)) {
      return "set-cookie";
    }
  }
  bool explicitFreshness = cc.isPublic || cc.maxAge || cc.sMaxAge || (r.hasExpires && !r.targeted);
  if (!explicitFreshness && !heuristicallyCacheable(r.status)) {
    return "status";
  }
  return "";
}

int64_t freshnessLifetime(const ResponseFacts& r, const Limits& limits) {
  CacheControl cc = ccOf(r);
  if (cc.invalidMaxAge) {
    return 0;
  }
  if (cc.sMaxAge) {
    return *cc.sMaxAge;
  }
  if (cc.maxAge) {
    return *cc.maxAge;
  }
  if (r.targeted) {
    return 0;  // a targeted field alone decides: no Expires, no heuristic
  }
  if (r.hasExpires) {
    // An invalid Expires (e.g. "0", another zone, several lines) means already expired.
    if (!r.expires || !r.date) {
      return 0;
    }
    return std::max<int64_t>(0, *r.expires - *r.date);
  }
  if (!heuristicallyCacheable(r.status) || cc.noCache) {
    return 0;
  }
  if (!r.lastModified || !r.date || *r.date <= *r.lastModified) {
    return 0;
  }
  return std::min<int64_t>(static_cast<int64_t>(static_cast<double>(*r.date - *r.lastModified) *
                                                limits.heuristicFraction),
                           limits.maxHeuristic);
}

int64_t currentAge(const ResponseFacts& r, int64_t requestTime, int64_t responseTime, int64_t now) {
  if (r.age >= kInvalidAge) {
    return kInvalidAge;  // stale, however long it lived
  }
  int64_t ageValue = r.age;
  int64_t dateValue = r.date.value_or(responseTime);
  int64_t apparentAge = std::max<int64_t>(0, responseTime - dateValue);
  int64_t responseDelay = std::max<int64_t>(0, responseTime - requestTime);
  int64_t correctedAgeValue = ageValue + responseDelay;
  int64_t correctedInitialAge = std::max(apparentAge, correctedAgeValue);
  int64_t residentTime = std::max<int64_t>(0, now - responseTime);
  return correctedInitialAge + residentTime;
}

Decision decide(const ResponseFacts& stored, int64_t requestTime, int64_t responseTime,
                std::string_view requestCacheControl, std::string_view requestPragma, int64_t now,
                const Limits& limits) {
  Decision d;
  CacheControl resp = ccOf(stored);
  CacheControl req =
      requestCacheControl.empty() ? CacheControl() : parseCacheControl(requestCacheControl);
  if (requestCacheControl.empty() &&
      common::toLower(requestPragma).find("no-cache") != std::string::npos) {
    req.noCache = true;  // HTTP/1.0 clients (RFC 9111 5.4)
  }
  int64_t lifetime = freshnessLifetime(stored, limits);
  d.age = currentAge(stored, requestTime, responseTime, now);
  d.ttl = lifetime - d.age;
  // RFC 9111 4.2.4: no-cache, must-revalidate, proxy-revalidate and s-maxage forbid serving stale.
  bool noStaleServing =
      resp.noCache || resp.mustRevalidate || resp.proxyRevalidate || resp.sMaxAge.has_value();
  if (!noStaleServing) {
    d.staleIfError = resp.staleIfError.value_or(limits.defaultStaleIfError);
    if (req.staleIfError) {
      d.staleIfError = std::min(d.staleIfError, *req.staleIfError);
    }
  }
  if (resp.noCache || req.noCache) {
    d.verdict = Verdict::kMustRevalidate;
    return d;
  }
  if (req.maxAge && d.age > *req.maxAge) {
    d.verdict = Verdict::kMustRevalidate;
    return d;
  }
  if (d.ttl > 0) {
    d.verdict =
        (req.minFresh && d.ttl < *req.minFresh) ? Verdict::kMustRevalidate : Verdict::kFresh;
    return d;
  }
  if (noStaleServing) {
    d.verdict = Verdict::kMustRevalidate;
    return d;
  }
  int64_t staleness = -d.ttl;
  if (req.maxStaleAny || (req.maxStale && staleness <= *req.maxStale)) {
    d.verdict = Verdict::kStaleAllowed;
    return d;
  }
  int64_t swr = resp.staleWhileRevalidate.value_or(limits.defaultStaleWhileRevalidate);
  d.verdict = (swr > 0 && staleness <= swr) ? Verdict::kStaleRevalidate : Verdict::kMustRevalidate;
  return d;
}

bool notModified(const ResponseFacts& stored, std::string_view ifNoneMatch,
                 std::string_view ifModifiedSince, int64_t now) {
  std::string_view inm = common::trimSpaces(ifNoneMatch);
  if (!inm.empty()) {
    if (stored.etag.empty()) {
      return false;
    }
    if (inm == "*") {
      return true;
    }
    auto opaque = [](std::string_view tag) {
      tag = common::trimSpaces(tag);
      if (tag.substr(0, 2) == "W/") {
        tag.remove_prefix(2);
      }
      return tag;
    };
    std::string_view mine = opaque(stored.etag);
    size_t pos = 0;
    while (pos <= inm.size()) {
      size_t comma = inm.find(',', pos);
      if (opaque(inm.substr(pos, comma == std::string_view::npos ? inm.npos : comma - pos)) ==
          mine) {
        return true;
      }
      if (comma == std::string_view::npos) {
        break;
      }
      pos = comma + 1;
    }
    return false;
  }
  std::optional<int64_t> ims = parseHttpDate(common::trimSpaces(ifModifiedSince), now);
  return ims && stored.lastModified && *stored.lastModified <= *ims;
}

}  // namespace fleet::cache
