// Reading Cache-Control (RFC 9111 5.2, RFC 5861's stale-* extensions) and Age (RFC 9111 5.1)
// of a request or response, and the set of statuses a shared cache may store
// (FleetCacheStatuses). Pure functions over header values.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/status.h"

namespace fleet::cache {

// Cache-Control directives of a request or response. A directive given twice or with a bad value
// makes the delta-seconds value invalid; RFC 9111 4.2.1 then says to treat the response as stale
// (max-age) — here `invalidMaxAge` records it.
struct CacheControl {
  bool noStore = false, noCache = false, isPrivate = false, isPublic = false;
  bool mustRevalidate = false, proxyRevalidate = false, onlyIfCached = false, noTransform = false;
  bool mustUnderstand = false;
  std::vector<std::string> noCacheFields, privateFields;  // no-cache="Set-Cookie"
  std::optional<int64_t> maxAge, sMaxAge, maxStale, minFresh;
  bool maxStaleAny = false;  // max-stale without a value
  std::optional<int64_t> staleWhileRevalidate, staleIfError;
  bool invalidMaxAge = false;
};
CacheControl parseCacheControl(std::string_view value);

// An Age that could not be read (not digits, a list) or is beyond 2^31: the response is stale.
constexpr int64_t kInvalidAge = 2147483648LL;

// RFC 9111 5.1: digits only; the first of several lines counts; anything else (a list, a sign,
// a unit) or a value beyond 2^31 is kInvalidAge. "" (no Age) is 0.
int64_t parseAge(std::string_view text);

// The statuses a shared cache may store (FleetCacheStatuses). The default leaves out every status
// one client's request can make a member answer for everyone (400 for an oversized header, 405
// for a method override, 412 for If-Match, 5xx...: cache-poisoning denial of service), even when
// the member marks it cacheable: 200 203 204 300 301 302 303 307 308 404 410 414 501.
class StatusSet {
 public:
  static StatusSet defaults();
  // Status codes (200-599 except 206 and 304, which are never stored whole) and the word
  // "default" (the default set); an error names the bad word and what is accepted.
  static common::Result<StatusSet> parse(const std::vector<std::string>& words);
  bool contains(int status) const { return status >= 0 && status < 600 && bits_[status]; }
  std::string toString() const;  // "200 203 ..."

 private:
  std::bitset<600> bits_;
};

}  // namespace fleet::cache
