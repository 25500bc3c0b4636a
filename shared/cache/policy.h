// HTTP caching rules (RFC 9111, RFC 5861, RFC 9213) as pure functions over header values and
// times: parsing Cache-Control and Age, whether a response may be stored by a shared cache, its
// freshness lifetime and current age, and whether a stored response may answer a request (fresh,
// stale within the client's max-stale or the response's stale-while-revalidate / stale-if-error).
// All times are wall-clock seconds (HTTP's unit); nothing here reads a clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/cache/cache_control.h"
#include "shared/common/status.h"

namespace fleet::cache {

struct Limits {
  int64_t defaultStaleWhileRevalidate = 0;     // FleetCacheStaleWhileRevalidate
  int64_t defaultStaleIfError = 0;             // FleetCacheStaleIfError
  int64_t maxHeuristic = 86400;                // cap on the Last-Modified heuristic
  double heuristicFraction = 0.1;              // of (Date - Last-Modified)
  StatusSet statuses = StatusSet::defaults();  // FleetCacheStatuses
  // Targeted cache control (RFC 9213): mod_fleet's own field (FleetCacheTargetedField, "" = none)
  // wins over CDN-Cache-Control (FleetCacheCDNControl), which wins over Cache-Control.
  std::string_view targetedField = "Fleet-Cache-Control";  // outlives the Limits (config memory)
  bool cdnCacheControl = true;
};

// What a response said that the policy needs, read by factsOf() (stored.h).
struct ResponseFacts {
  int status = 0;
  // The directives that decide storing and freshness: the first targeted field present (its
  // lines combined), else every Cache-Control line.
  std::string cacheControl;
  bool targeted = false;  // from a targeted field: Expires and the heuristic do not apply
  std::string pragma;
  bool hasExpires = false;  // Expires present (valid or not)
  std::optional<int64_t> expires, date,
      lastModified;  // parsed HTTP dates (nullopt: absent or invalid)
  int64_t age = 0;   // the Age received, seconds (kInvalidAge: stale)
  std::string etag, vary;
  bool hasSetCookie = false;
  bool hasAuthorizationRequest = false;  // the request carried Authorization
  // cacheControl parsed once (factsOf does it): the policy's functions read it many times.
  bool ccParsed = false;
  CacheControl cc;
};

// The facts' directives: parsed once by factsOf, else parsed now.
CacheControl ccOf(const ResponseFacts& r);

// Why a response is not stored ("" when it may be).
std::string whyNotStorable(const std::string& method, const ResponseFacts& r,
                           const Limits& limits = Limits());

// Request fields that ask the application to treat the request as another method
// (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override, in any case and with '_' or '.' for
// '-'): such a GET is not what the cache key says, so it is never answered from or stored in
// the cache, and it invalidates like an unsafe method.
bool isMethodOverrideField(std::string_view name);

// Freshness lifetime in seconds (RFC 9111 4.2.1; the heuristic only for heuristically cacheable
// statuses without explicit freshness); 0 when stale at once.
int64_t freshnessLifetime(const ResponseFacts& r, const Limits& limits);

// RFC 9111 4.2.3 current age of a stored response: responseTime/requestTime as the cache saw them.
int64_t currentAge(const ResponseFacts& r, int64_t requestTime, int64_t responseTime, int64_t now);

enum class Verdict {
  kFresh,            // serve
  kStaleAllowed,     // serve (the client's max-stale allows it)
  kStaleRevalidate,  // serve, and refresh in the background (stale-while-revalidate)
  kMustRevalidate,   // ask the member (conditional request); on error maybe stale-if-error
};

struct Decision {
  Verdict verdict = Verdict::kMustRevalidate;
  int64_t age = 0;
  int64_t ttl = 0;           // freshness lifetime - age (negative when stale)
  int64_t staleIfError = 0;  // how long past freshness a member error may still be hidden
};

// May the stored response (facts, with its stored times) answer a request with this
// Cache-Control / Pragma now?
Decision decide(const ResponseFacts& stored, int64_t requestTime, int64_t responseTime,
                std::string_view requestCacheControl, std::string_view requestPragma, int64_t now,
                const Limits& limits);

// Whether a stored response answers a conditional request with 304 (If-None-Match, weak
// comparison; else If-Modified-Since against Last-Modified). `now` reads two-digit years.
bool notModified(const ResponseFacts& stored, std::string_view ifNoneMatch,
                 std::string_view ifModifiedSince, int64_t now);

// Methods RFC 9110 9.2.1 (and WebDAV) define as safe; any other method, extension methods
// included, invalidates the target URI when it succeeds (RFC 9111 4.4).
bool isSafeMethod(std::string_view method);

}  // namespace fleet::cache
