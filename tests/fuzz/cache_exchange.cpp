// A request's passage through the shared cache (cache/exchange*.cpp, http_cache.cpp) when
// memcached holds what another server wrote: a response, a Vary manifest and its variant, or a
// hit-for-miss marker, with any status, times, Age, soft purge, tags, headers and chunked body.
// Whatever is stored and whatever the request asks (Range, conditionals, Cache-Control, PURGE,
// unsafe methods), an answer's body pieces lie inside their data and add up to its
// Content-Length, and no header it sends carries CR, LF or NUL.
// Input: "<METHOD> <target>", the request's header lines, an empty line, then
// "<kind> <status> <requestTime> <responseTime> <age> <staleSince> <chunkSize> <flags>" (times
// relative to now), the stored header lines, an empty line, the Vary names, the tags
// ("name:generation:current[:soft]"), then the body.
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shared/cache/exchange.h"
#include "shared/cache/http_cache.h"
#include "shared/cache/keys.h"
#include "shared/cache/local_tier.h"
#include "shared/common/clock.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_store.h"

namespace {

using namespace fleet::cache;
using fleet::common::HeaderList;
using fleet::fuzz::FuzzStore;

constexpr int64_t kNow = 1796000000;

std::vector<int64_t> numbers(std::string_view line) {
  std::vector<int64_t> out;
  fleet::fuzz::Input words(reinterpret_cast<const uint8_t*>(line.data()), line.size());
  std::string_view rest = words.rest();
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    std::string w(rest.substr(0, sp));
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    fleet::fuzz::Input n(reinterpret_cast<const uint8_t*>(w.data()), w.size());
    out.push_back(n.numberLine());
  }
  out.resize(8, 0);
  return out;
}

bool clean(std::string_view s) { return s.find_first_of(std::string("\r\n\0", 3)) == s.npos; }

void checkAnswer(const Answer& a, bool headOnly) {
  for (const auto& [name, value] : a.allHeaders()) {
    FUZZ_CHECK(clean(name) && clean(value));
  }
  uint64_t total = 0;
  for (const BodyPiece& p : a.body) {
    FUZZ_CHECK(p.data != nullptr);
    FUZZ_CHECK(p.offset <= p.data->size() && p.length <= p.data->size() - p.offset);
    total += p.length;
  }
  std::string length = fleet::common::firstField(a.headers, "Content-Length");
  if (!length.empty() && !headOnly) {
    FUZZ_CHECK(std::to_string(total) == length);
  }
}

void checkLookup(const CacheExchange::Lookup& l, bool headOnly) {
  if (l.step == CacheExchange::Step::kServe || l.step == CacheExchange::Step::kReply) {
    checkAnswer(l.answer, headOnly);
  }
  for (const auto& [name, value] : l.setRequest) {
    FUZZ_CHECK(clean(value));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fleet::fuzz::Input in(data, size);
  std::string_view requestLine = in.line();
  CacheRequest req;
  req.method = std::string(requestLine.substr(0, requestLine.find(' ')));
  req.target = requestLine.find(' ') == std::string_view::npos
                   ? "/"
                   : std::string(requestLine.substr(requestLine.find(' ') + 1));
  req.headOnly = req.method == "HEAD";
  req.scheme = "http";
  req.host = "example.com";
  req.port = 80;
  req.headers = fleet::fuzz::headerList(in.block());
  std::vector<int64_t> n = numbers(in.line());
  HeaderList stored = fleet::fuzz::headerList(in.block());
  std::string varyLine(in.line()), tagLine(in.line());
  std::string body(in.rest());
  uint64_t flags = static_cast<uint64_t>(n[7]);

  FuzzStore store;
  Keys keys("fl2:");
  fleet::common::ManualClock clock(kNow * 1000000);
  auto counters = std::make_unique<CacheShared>();
  std::memset(static_cast<void*>(counters.get()), 0, sizeof(CacheShared));
  std::unique_ptr<LocalTier> tier =
      (flags & 1) != 0 ? std::make_unique<LocalTier>(1 << 20) : nullptr;
  uint64_t draws = 0;
  std::unique_ptr<TierFollower> follower =
      tier ? std::make_unique<TierFollower>(*tier, &counters->invalidations, store, keys,
                                            [&draws] { return 7000001 * ++draws; })
           : nullptr;
  HttpCache cache(HttpCache::Deps{store, tier.get(), follower.get(), counters.get(), clock,
                                  [&draws] { return 1000003 * ++draws; },
                                  [&clock](int64_t micros) { clock.advanceMicros(micros); }},
                  keys);
  CacheSettings settings;
  settings.purge = (flags & 2) != 0;
  settings.softPurge = (flags & 4) != 0;
  settings.lockWaitMicros = (flags & 8) != 0 ? 100000 : 0;
  settings.limits.defaultStaleIfError = (flags & 16) != 0 ? 60 : 0;
  settings.limits.defaultStaleWhileRevalidate = (flags & 32) != 0 ? 30 : 0;

  // What another server stored for this URL.
  Entry e;
  e.kind = static_cast<Entry::Kind>(1 + static_cast<uint64_t>(n[0]) % 3);
  e.status = static_cast<int>(n[1]);
  // Any 64-bit value, as another writer may store (wrapping here is the harness's, not UB).
  auto at = [](int64_t d) {
    return static_cast<int64_t>(static_cast<uint64_t>(kNow) + static_cast<uint64_t>(d));
  };
  e.requestTime = at(n[2]);
  e.responseTime = at(n[3]);
  e.age = n[4];
  e.staleSince = n[5] == 0 ? 0 : at(n[5]);
  e.headers = stored;
  e.bodyId = 0x1234;
  e.bodySize = body.size();
  uint32_t chunkSize = static_cast<uint32_t>(n[6]);
  if (chunkSize > 0 && !body.empty()) {
    e.chunkSize = chunkSize;
    e.chunkCount = static_cast<uint32_t>((body.size() + chunkSize - 1) / chunkSize);
  } else {
    e.body = body;
  }
  const std::string primary = primaryKey(req.scheme, req.host, req.port, req.target);
  std::string fullKey = primary;
  std::vector<std::string> vary = varyNames(varyLine);
  if (!vary.empty()) {
    Entry manifest;
    manifest.kind = Entry::Kind::kVaryManifest;
    manifest.key = primary;
    manifest.vary = vary;
    manifest.staleSince = (flags & 64) != 0 ? kNow : 0;
    store.items[keys.entry(primary)] = encodeEntry(manifest);
    std::map<std::string, std::string> values;
    for (const std::string& name : vary) {
      for (const auto& kv : req.headers) {
        if (fleet::common::sameFieldName(kv.first, name)) {
          values[name] = fleet::common::combinedField(req.headers, name);
        }
      }
    }
    fullKey = variantKey(primary, vary, values);
  }
  e.key = fullKey;
  {
    std::string_view t = tagLine;
    size_t pos = 0;
    while (pos < t.size() && e.tags.size() < 8) {
      size_t sp = t.find(' ', pos);
      std::string_view w = t.substr(pos, sp == std::string_view::npos ? t.npos : sp - pos);
      pos = sp == std::string_view::npos ? t.size() : sp + 1;
      size_t c1 = w.find(':');
      std::string name(w.substr(0, c1));
      uint64_t gen = std::strtoull(std::string(w.substr(c1 == w.npos ? w.size() : c1 + 1)).c_str(),
                                   nullptr, 10);
      e.tags.emplace_back(name, gen);
      size_t c2 = c1 == w.npos ? w.npos : w.find(':', c1 + 1);
      if (c2 != w.npos) {
        std::string current(w.substr(c2 + 1, w.find(':', c2 + 1) - c2 - 1));
        store.items[keys.tag(name)] = current;
        if (w.find(":soft") != w.npos) {
          store.items[keys.softTag(name, gen + 1)] = "1";
        }
      }
    }
  }
  store.items[keys.entry(fullKey)] = encodeEntry(e);
  for (uint32_t i = 0; i < e.chunkCount; ++i) {
    std::string piece = body.substr(uint64_t{i} * e.chunkSize, e.chunkSize);
    if ((flags & 128) != 0 && i + 1 == e.chunkCount) {
      piece.pop_back();  // a chunk cut short (another version, a bad write)
    }
    store.items[keys.chunk(fullKey, e.bodyId, i)] = encodeChunk(e.bodyId, i, piece);
  }

  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<CacheExchange> ex = cache.begin(req, settings);
    CacheExchange::Lookup l = ex->lookup(round == 0 && (flags & 256) != 0);
    checkLookup(l, req.headOnly);
    if (l.step == CacheExchange::Step::kForward || l.step == CacheExchange::Step::kDecline) {
      // The member answers with what was stored (a 304 when the flags say so), without the
      // lines mod_proxy would have refused.
      int status = (flags & 512) != 0 ? 304 : (e.status >= 100 && e.status < 600 ? e.status : 200);
      HeaderList member;
      for (const auto& kv : stored) {
        if (clean(kv.first) && clean(kv.second)) {
          member.push_back(kv);
        }
      }
      CacheExchange::Reply r = ex->onResponse(status, member);
      if (r.kind == CacheExchange::Reply::Kind::kReplace) {
        checkAnswer(r.replacement, req.headOnly);
      }
      if (r.kind == CacheExchange::Reply::Kind::kStore) {
        for (size_t at = 0; at < body.size(); at += 7) {
          if (!ex->append(std::string_view(body).substr(at, 7))) {
            break;
          }
        }
        ex->finish();
      }
    }
    if (ex->owesRefresh()) {
      std::unique_ptr<CacheExchange> refresh = cache.beginRefresh(*ex);
      if (refresh && refresh->refreshStillNeeded()) {
        checkLookup(refresh->lookup(), false);
      }
    }
    clock.advanceMicros(1000000);
  }
  (void)cache.purgeFromPage("http", "example.com", 80, req.target);
  (void)cache.purgeFromPage("http", "example.com", 80, "tag:" + tagLine);
  return 0;
}
