// The test bench for HttpCache/CacheExchange unit tests (tests/unit/cache/http_cache_*_test.cpp):
// a fake memcached with hooks, a manual wall clock, scripted randomness, a scripted sleep, and
// helpers to build requests and member answers.
#pragma once

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "shared/cache/exchange.h"
#include "shared/cache/http_cache.h"
#include "shared/cache/http_date.h"
#include "shared/cache/local_tier.h"
#include "shared/common/clock.h"
#include "tests/unit/cache/fake_store.h"

namespace fleet::cache::testing {

using fleet::common::HeaderList;
using Step = CacheExchange::Step;
using Kind = CacheExchange::Reply::Kind;

// The fake memcached behind a hook: another process acting at an exact point of an exchange.
class HookStore final : public KeyValueStore {
 public:
  explicit HookStore(KeyValueStore& inner) : inner_(inner) {}
  std::function<void()> afterNextRead;  // runs once, right after the next read returns
  std::function<void()> beforeNextAdd;  // runs once, right before the next add
  Found read(const std::string& key, std::string* value) override {
    Found f = inner_.read(key, value);
    if (afterNextRead) {
      std::exchange(afterNextRead, nullptr)();
    }
    return f;
  }
  bool set(const std::string& key, const std::string& value, int64_t ttl) override {
    return inner_.set(key, value, ttl);
  }
  bool add(const std::string& key, const std::string& value, int64_t ttl) override {
    if (beforeNextAdd) {
      std::exchange(beforeNextAdd, nullptr)();
    }
    return inner_.add(key, value, ttl);
  }
  bool remove(const std::string& key) override { return inner_.remove(key); }
  std::optional<uint64_t> increment(const std::string& key, uint64_t initial) override {
    return inner_.increment(key, initial);
  }

 private:
  KeyValueStore& inner_;
};

constexpr int64_t kT0 = 1796000000;  // Mon, 30 Nov 2026 00:53:20 GMT

inline std::unique_ptr<CacheShared> zeroedCounters() {
  auto c = std::make_unique<CacheShared>();
  std::memset(static_cast<void*>(c.get()), 0, sizeof(CacheShared));
  return c;
}

inline std::string bodyOf(const Answer& a) {
  std::string out;
  for (const BodyPiece& p : a.body) {
    out += p.data->substr(p.offset, p.length);
  }
  return out;
}

inline std::string field(const HeaderList& h, const std::string& name) {
  return fleet::common::firstField(h, name);
}

inline bool hasField(const HeaderList& h, const std::string& name) {
  for (const auto& kv : h) {
    if (fleet::common::sameFieldName(kv.first, name)) {
      return true;
    }
  }
  return false;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One process's cache over a fake memcached (behind a hook), optionally with its memory tier and
// its server's invalidation ring, with a manual wall clock, scripted randomness and a sleep that
// moves the clock (and may run a scripted action: another process acting meanwhile).
struct Harness {
  fleet::common::ManualClock clock{kT0 * 1000000};
  FakeStore store;
  HookStore hooked{store};
  std::unique_ptr<CacheShared> counters = zeroedCounters();
  uint64_t draws = 0;
  int sleeps = 0;
  std::function<void()> duringSleep;
  CacheSettings settings;
  Keys keys{"fl2:"};
  std::unique_ptr<LocalTier> tier;
  std::unique_ptr<TierFollower> follower;
  HttpCache cache;

  explicit Harness(bool withTier = false)
      : tier(withTier ? std::make_unique<LocalTier>(1 << 20) : nullptr),
        follower(withTier
                     ? std::make_unique<TierFollower>(*tier, &counters->invalidations, store, keys,
                                                      [this] { return 7000001 * ++draws; })
                     : nullptr),
        cache(HttpCache::Deps{hooked, tier.get(), follower.get(), counters.get(), clock,
                              [this] { return 1000003 * ++draws; },
                              [this](int64_t micros) {
                                ++sleeps;
                                advanceMicros(micros);
                                if (duringSleep) {
                                  duringSleep();
                                }
                              }},
              Keys("fl2:")) {
    store.now = kT0;
  }

  int64_t now() const { return clock.nowMicros() / 1000000; }
  void advanceMicros(int64_t micros) {
    clock.advanceMicros(micros);
    store.now = now();
  }
  void advance(int64_t seconds) { advanceMicros(seconds * 1000000); }

  static CacheRequest request(const std::string& method, const std::string& target,
                              HeaderList headers = {}) {
    CacheRequest r;
    r.method = method;
    r.headOnly = method == "HEAD";
    r.scheme = "http";
    r.host = "example.com";
    r.port = 80;
    r.target = target;
    r.headers = std::move(headers);
    return r;
  }
  std::unique_ptr<CacheExchange> begin(const std::string& method, const std::string& target,
                                       HeaderList headers = {}) {
    return cache.begin(request(method, target, std::move(headers)), settings);
  }
  std::unique_ptr<CacheExchange> get(const std::string& target, HeaderList headers = {}) {
    return begin("GET", target, std::move(headers));
  }
  // A lookup by an exchange that then ends (its leases given back).
  CacheExchange::Lookup look(const std::string& target, HeaderList headers = {},
                             const std::string& method = "GET") {
    return begin(method, target, std::move(headers))->lookup();
  }
  // A member response: Cache-Control (none when empty), Date now, Content-Type, then `extra`.
  HeaderList response(const std::string& cacheControl, HeaderList extra = {}) const {
    HeaderList h;
    if (!cacheControl.empty()) {
      h.emplace_back("Cache-Control", cacheControl);
    }
    h.emplace_back("Date", formatHttpDate(now()));
    h.emplace_back("Content-Type", "text/plain");
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  }
  // The member's answer streaming through `ex`.
  static CacheExchange::Reply answer(CacheExchange& ex, int status, const HeaderList& headers,
                                     const std::string& body) {
    CacheExchange::Reply r = ex.onResponse(status, headers);
    if (r.kind == Kind::kStore) {
      ex.append(body);
      ex.finish();
    }
    return r;
  }
  // A GET that must go to the member, and the member's answer to it.
  CacheExchange::Reply fill(const std::string& target, int status, const HeaderList& headers,
                            const std::string& body, HeaderList requestHeaders = {}) {
    std::unique_ptr<CacheExchange> ex = get(target, std::move(requestHeaders));
    CPPUNIT_ASSERT(ex->lookup().step == Step::kForward);
    return answer(*ex, status, headers, body);
  }
};

}  // namespace fleet::cache::testing
