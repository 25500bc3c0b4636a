// The health checker's member addresses: each host:port is resolved once and used for `ttl`, and a
// failure is retried after `retry`, so a refresh every second does not ask DNS every second.
// Checker thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "shared/health/resolver.h"

namespace fleet::health {

constexpr int64_t kResolveTtlMicros = 30000000;
constexpr int64_t kResolveRetryMicros = 5000000;

class ResolveCache {
 public:
  // Told why an attempt failed, once per failed attempt (not on every lookup that returns it).
  using OnFailure = std::function<void(const std::string& why)>;

  explicit ResolveCache(Resolver& resolver, int64_t ttlMicros = kResolveTtlMicros,
                        int64_t retryMicros = kResolveRetryMicros)
      : resolver_(resolver), ttlMicros_(ttlMicros), retryMicros_(retryMicros) {}

  // host:port as of now: resolved again when never resolved, after the ttl of a success or the
  // retry time of a failure. While the resolver has not answered yet, the previous answer stands;
  // kPending only when there is none. A kFailed answer always carries an error.
  Resolution lookup(const std::string& host, int port, int64_t nowMicros,
                    const OnFailure& onFailure);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Resolution answer;       // the newest answer (kPending: none yet)
    int64_t answeredAt = 0;  // when it came
    bool asking = false;     // the resolver said kPending and is asked again on each lookup
  };
  Resolver& resolver_;
  int64_t ttlMicros_;
  int64_t retryMicros_;
  std::map<std::string, Entry> entries_;  // by "host:port"
};

}  // namespace fleet::health
