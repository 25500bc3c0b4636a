#include "shared/cache/policy.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "shared/common/headers.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

int monthIndex(const char* m) {
  for (int i = 0; i < 12; ++i) {
    if (std::strncmp(m, kMonths[i], 3) == 0 && m[3] == '\0') return i;
  }
  return -1;
}

std::optional<int64_t> toUnix(int year, int mon, int day, int h, int mi, int s) {
  if (mon < 0 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60 || year < 1900 || year > 9999) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}



// delta-seconds: digits only; values beyond 2^31 are clamped (RFC 9111 1.2.2).
std::optional<int64_t> deltaSeconds(std::string_view v) {
  if (v.empty()) return std::nullopt;
  int64_t n = 0;
  for (char c : v) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = std::min<int64_t>(n * 10 + (c - '0'), 2147483648LL);
  }
  return n;
}

std::vector<std::string> fieldList(std::string_view v) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t comma = v.find(',', pos);
    std::string_view f = common::trimSpaces(v.substr(pos, comma == std::string_view::npos ? v.npos : comma - pos));
    if (!f.empty()) out.push_back(common::toLower(f));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

// Sets a delta-seconds directive; a repeat with another value, or a bad value, is invalid.
void setDelta(std::optional<int64_t>* field, std::string_view value, bool* invalid) {
  std::optional<int64_t> d = deltaSeconds(value);
  if (!d || (field->has_value() && **field != *d)) {
    *invalid = true;
    *field = 0;
    return;
  }
  *field = d;
}

bool heuristicallyCacheable(int status) {
  switch (status) {
    case 200: case 203: case 204: case 300: case 301: case 308:
    case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<int64_t> parseHttpDate(std::string_view text) {
  std::string t(common::trimSpaces(text));
  if (t.size() > 64) return std::nullopt;
  char wd[16] = {}, mon[4] = {}, tz[4] = {};
  int day = 0, year = 0, h = 0, mi = 0, s = 0, n = 0;
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  if (std::sscanf(t.c_str(), "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &day, mon, &year, &h, &mi, &s, tz,
                  &n) == 8 && static_cast<size_t>(n) == t.size() && std::strcmp(tz, "GMT") == 0) {
    return toUnix(year, monthIndex(mon), day, h, mi, s);
  }
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  if (std::sscanf(t.c_str(), "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", wd, &day, mon, &year, &h, &mi,
                  &s, tz, &n) == 8 && static_cast<size_t>(n) == t.size() && std::strcmp(tz, "GMT") == 0) {
    // Two-digit years: more than 50 years in the future means the past century (RFC 9110).
    std::time_t now = std::time(nullptr);
    std::tm gm{};
    gmtime_r(&now, &gm);
    int century = (gm.tm_year + 1900) / 100 * 100;
    year += century;
    if (year > gm.tm_year + 1900 + 50) year -= 100;
    return toUnix(year, monthIndex(mon), day, h, mi, s);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  if (std::sscanf(t.c_str(), "%3s %3s %d %2d:%2d:%2d %4d%n", wd, mon, &day, &h, &mi, &s, &year, &n) == 7 &&
      static_cast<size_t>(n) == t.size()) {
    return toUnix(year, monthIndex(mon), day, h, mi, s);
  }
  return std::nullopt;
}

std::string formatHttpDate(int64_t unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm gm{};
  gmtime_r(&t, &gm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[gm.tm_wday], gm.tm_mday,
                kMonths[gm.tm_mon], gm.tm_year + 1900, gm.tm_hour, gm.tm_min, gm.tm_sec);
  return buf;
}

CacheControl parseCacheControl(std::string_view value) {
  CacheControl cc;
  size_t i = 0;
  const size_t n = value.size();
  while (i < n) {
    while (i < n && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) ++i;
    size_t start = i;
    while (i < n && value[i] != '=' && value[i] != ',') ++i;
    std::string name = common::toLower(common::trimSpaces(value.substr(start, i - start)));
    std::string arg;
    bool hasArg = false;
    if (i < n && value[i] == '=') {
      hasArg = true;
      ++i;
      while (i < n && (value[i] == ' ' || value[i] == '\t')) ++i;
      if (i < n && value[i] == '"') {
        ++i;
        while (i < n && value[i] != '"') {
          if (value[i] == '\\' && i + 1 < n) ++i;
          arg += value[i++];
        }
        if (i < n) ++i;  // closing quote
      } else {
        size_t a = i;
        while (i < n && value[i] != ',') ++i;
        arg = std::string(common::trimSpaces(value.substr(a, i - a)));
      }
    }
    if (name.empty()) continue;
    if (name == "no-store") cc.noStore = true;
    else if (name == "no-cache") {
      if (hasArg) {
        for (std::string& f : fieldList(arg)) cc.noCacheFields.push_back(f);
      } else {
        cc.noCache = true;
      }
    } else if (name == "private") {
      if (hasArg) {
        for (std::string& f : fieldList(arg)) cc.privateFields.push_back(f);
      } else {
        cc.isPrivate = true;
      }
    } else if (name == "public") cc.isPublic = true;
    else if (name == "must-revalidate") cc.mustRevalidate = true;
    else if (name == "proxy-revalidate") cc.proxyRevalidate = true;
    else if (name == "only-if-cached") cc.onlyIfCached = true;
    else if (name == "no-transform") cc.noTransform = true;
    else if (name == "must-understand") cc.mustUnderstand = true;
    else if (name == "max-age") setDelta(&cc.maxAge, arg, &cc.invalidMaxAge);
    else if (name == "s-maxage") setDelta(&cc.sMaxAge, arg, &cc.invalidMaxAge);
    else if (name == "min-fresh") {
      bool bad = false;
      setDelta(&cc.minFresh, arg, &bad);
    } else if (name == "max-stale") {
      if (!hasArg) {
        cc.maxStaleAny = true;
      } else {
        bool bad = false;
        setDelta(&cc.maxStale, arg, &bad);
      }
    } else if (name == "stale-while-revalidate") {
      bool bad = false;
      setDelta(&cc.staleWhileRevalidate, arg, &bad);
      if (bad) cc.staleWhileRevalidate.reset();
    } else if (name == "stale-if-error") {
      bool bad = false;
      setDelta(&cc.staleIfError, arg, &bad);
      if (bad) cc.staleIfError.reset();
    }
  }
  return cc;
}

bool isMethodOverrideField(std::string_view name) {
  if (name.size() < 10 || name.size() > 22) return false;
  std::string folded = common::foldedFieldName(name);
  return folded == "x-http-method-override" || folded == "x-http-method" || folded == "x-method-override";
}

StatusSet StatusSet::defaults() {
  StatusSet s;
  for (int code : {200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 410, 414, 501}) s.bits_.set(code);
  return s;
}

common::Result<StatusSet> StatusSet::parse(const std::vector<std::string>& words) {
  StatusSet s;
  if (words.empty()) {
    return common::Status(common::Code::kInvalidArgument,
                          "no status given; accepted: status codes 200-599 (not 206 or 304) and "
                          "\"default\"");
  }
  for (const std::string& w : words) {
    if (common::toLower(w) == "default") {
      s.bits_ |= defaults().bits_;
      continue;
    }
    common::Result<int64_t> code = common::parseInteger(w, 200, 599);
    if (!code.isOk() || code.value() == 206 || code.value() == 304) {
      return common::Status(common::Code::kInvalidArgument,
                            "'" + w + "' is not valid; accepted: status codes 200-599 (not 206 or "
                            "304) and \"default\"");
    }
    s.bits_.set(static_cast<size_t>(code.value()));
  }
  return s;
}

std::string StatusSet::toString() const {
  std::string out;
  for (size_t i = 0; i < bits_.size(); ++i) {
    if (bits_[i]) out += (out.empty() ? "" : " ") + std::to_string(i);
  }
  return out;
}

std::string whyNotStorable(const std::string& method, const ResponseFacts& r, const Limits& limits) {
  if (method != "GET") return "method";
  if (r.status < 200 || r.status == 206 || r.status == 304 || r.status > 599) return "status";
  if (!limits.statuses.contains(r.status)) return "status";
  CacheControl cc = parseCacheControl(r.cacheControl);
  if (cc.noStore) return "no-store";
  if (cc.isPrivate) return "private";
  if (common::trimSpaces(r.vary) == "*" || r.vary.find('*') != std::string::npos) return "vary-star";
  if (r.hasAuthorizationRequest && !cc.isPublic && !cc.sMaxAge && !cc.mustRevalidate) {
    return "authorization";
  }
  if (r.hasSetCookie) {
    auto listed = [](const std::vector<std::string>& fields) {
      return std::find(fields.begin(), fields.end(), "set-cookie") != fields.end();
    };
    // Only stored when the member says Set-Cookie must not be reused (it is then dropped).
    if (!listed(cc.noCacheFields) && !listed(cc.privateFields)) return "set-cookie";
  }
  bool explicitFreshness = cc.isPublic || cc.maxAge || cc.sMaxAge || !r.expires.empty();
  if (!explicitFreshness && !heuristicallyCacheable(r.status)) return "status";
  return "";
}

int64_t freshnessLifetime(const ResponseFacts& r, const Limits& limits) {
  CacheControl cc = parseCacheControl(r.cacheControl);
  if (cc.invalidMaxAge) return 0;
  if (cc.sMaxAge) return *cc.sMaxAge;
  if (cc.maxAge) return *cc.maxAge;
  std::optional<int64_t> date = parseHttpDate(r.date);
  if (!r.expires.empty()) {
    std::optional<int64_t> expires = parseHttpDate(r.expires);
    if (!expires || !date) return 0;  // an invalid Expires (e.g. "0") means already expired
    return std::max<int64_t>(0, *expires - *date);
  }
  if (!heuristicallyCacheable(r.status) || cc.noCache) return 0;
  std::optional<int64_t> lm = parseHttpDate(r.lastModified);
  if (!lm || !date || *date <= *lm) return 0;
  return std::min<int64_t>(static_cast<int64_t>(static_cast<double>(*date - *lm) * limits.heuristicFraction),
                           limits.maxHeuristic);
}

int64_t currentAge(const ResponseFacts& r, int64_t requestTime, int64_t responseTime, int64_t now) {
  int64_t ageValue = deltaSeconds(common::trimSpaces(r.age)).value_or(0);
  int64_t dateValue = parseHttpDate(r.date).value_or(responseTime);
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
  CacheControl resp = parseCacheControl(stored.cacheControl);
  CacheControl req = parseCacheControl(requestCacheControl);
  if (requestCacheControl.empty() && common::toLower(requestPragma).find("no-cache") != std::string::npos) {
    req.noCache = true;  // HTTP/1.0 clients (RFC 9111 5.4)
  }
  int64_t lifetime = freshnessLifetime(stored, limits);
  d.age = currentAge(stored, requestTime, responseTime, now);
  d.ttl = lifetime - d.age;
  bool noStaleServing = resp.mustRevalidate || resp.proxyRevalidate || resp.sMaxAge.has_value();
  if (!noStaleServing) {
    d.staleIfError = resp.staleIfError.value_or(limits.defaultStaleIfError);
    if (req.staleIfError) d.staleIfError = std::min(d.staleIfError, *req.staleIfError);
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
    d.verdict = (req.minFresh && d.ttl < *req.minFresh) ? Verdict::kMustRevalidate : Verdict::kFresh;
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
                 std::string_view ifModifiedSince) {
  std::string_view inm = common::trimSpaces(ifNoneMatch);
  if (!inm.empty()) {
    if (stored.etag.empty()) return false;
    if (inm == "*") return true;
    auto opaque = [](std::string_view tag) {
      tag = common::trimSpaces(tag);
      if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
      return tag;
    };
    std::string_view mine = opaque(stored.etag);
    size_t pos = 0;
    while (pos <= inm.size()) {
      size_t comma = inm.find(',', pos);
      if (opaque(inm.substr(pos, comma == std::string_view::npos ? inm.npos : comma - pos)) == mine) {
        return true;
      }
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    return false;
  }
  std::optional<int64_t> ims = parseHttpDate(ifModifiedSince);
  std::optional<int64_t> lm = parseHttpDate(stored.lastModified);
  return ims && lm && *lm <= *ims;
}

}  // namespace fleet::cache
