// Cache-Control and Age as members and clients send them (RFC 9111 5.1, 5.2, RFC 5861), and the
// policy's use of them: whether a response made of the input's header lines is stored, its
// freshness, and what a request's Cache-Control / Pragma then decide. Input: a response's header
// lines, an empty line, then the request's Cache-Control, Pragma, If-None-Match and
// If-Modified-Since lines.
#include "shared/cache/cache_control.h"

#include <cstdint>
#include <string>

#include "shared/cache/policy.h"
#include "shared/cache/stored.h"
#include "shared/common/parse.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::cache;
  std::string_view whole(reinterpret_cast<const char*>(data), size);

  // The raw bytes as one Cache-Control value and one Age value.
  CacheControl cc = parseCacheControl(whole);
  for (const std::optional<int64_t>& d : {cc.maxAge, cc.sMaxAge, cc.maxStale, cc.minFresh,
                                          cc.staleWhileRevalidate, cc.staleIfError}) {
    FUZZ_CHECK(!d || (*d >= 0 && *d <= kInvalidAge));
  }
  for (const std::string& f : cc.noCacheFields) {
    FUZZ_CHECK(!f.empty() && f == fleet::common::toLower(f));
  }
  int64_t age = parseAge(whole);
  FUZZ_CHECK(age >= 0 && age <= kInvalidAge);

  fleet::fuzz::Input in(data, size);
  fleet::common::HeaderList response = fleet::fuzz::headerList(in.block());
  std::string requestCc(in.line()), pragma(in.line()), inm(in.line()), ims(in.line());
  const int64_t now = 1796000000;
  Limits limits;
  limits.defaultStaleIfError = 60;
  for (int status : {200, 404, 206}) {
    ResponseFacts f = factsOf(status, response, limits, now);
    (void)whyNotStorable("GET", f, limits);
    int64_t lifetime = freshnessLifetime(f, limits);
    FUZZ_CHECK(lifetime >= 0);
    int64_t ttl = storageTtl(f, limits);
    FUZZ_CHECK(ttl <= 30 * 86400);
    Decision d = decide(f, now - 2, now - 1, requestCc, pragma, now, limits);
    FUZZ_CHECK(d.age >= 0 && d.ttl == lifetime - d.age);
    (void)notModified(f, inm, ims, now);
  }
  (void)StatusSet::parse({std::string(in.rest())});
  return 0;
}
