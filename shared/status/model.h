// What the status outputs show: balancers and their members as plain values, filled by the glue
// from httpd's structures and our shared member table, rendered here without httpd.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fleet::status {

// Active health checking of one member (checked = it has an hcmethod other than NONE).
struct HealthView {
  bool checked = false;
  std::string method;  // hcmethod, e.g. "GET11"
  int64_t intervalMicros = 0;
  bool failing = false;  // the HC-fail flag
  uint64_t checks = 0;
  bool lastPassed = false;
  std::string reason;  // of the last check ("ok", "status 503", "timeout after 2s ...")
  int lastStatus = 0;
  int64_t lastLatencyMicros = 0;
  int64_t lastCheckedAgoMicros = -1;  // -1: not checked yet
  std::string history;                // oldest first, '+' passed, '-' failed
  int certDaysLeft = -1;              // -1: unknown / not TLS
  uint32_t transitions = 0;
};

struct MemberView {
  std::string name;
  std::string route;
  std::string flags;  // httpd's status letters, e.g. "Ok", "Dis", "Drn"
  bool usable = false;
  uint32_t weight = 0;  // lbfactor
  int64_t inflight = 0;
  uint64_t requests = 0;      // sent through mod_fleet's accounting
  uint64_t elected = 0;       // httpd's own counter
  double latencyMicros = -1;  // stored peak-EWMA estimate; negative = no sample
  bool ejected = false;       // passive outlier ejection in force
  int64_t ejectedForMicros = 0;
  uint32_t ejections = 0;     // recent ejections (each doubles the next one)
  uint64_t failures = 0;      // error answers ever
  int slowStartPercent = -1;  // effective weight as a percent of full while ramping; -1 = not
  int64_t maxConn = 0;        // maxconn=; 0 = no limit
  uint32_t lbset = 0;
  int64_t discoveredAgoMicros = -1;  // -1: from the configuration; else DNS brought it in then
  uint64_t retries = 0;              // requests sent on to another member after it failed them
  uint64_t retryRefusals = 0;        // ... kept from another member by the retry budget
  bool drained = false, disabled = false, hcFailed = false;
  HealthView health;
};

// Request-level resilience of one balancer, all children: FleetRetry's budget and the queue of
// requests waiting for a member below its maxconn=.
struct ResilienceView {
  int64_t active = 0;  // requests in flight through the retry loop
  uint64_t retries = 0, budgetRefusals = 0;
  uint32_t queueDepth = 0;
  uint64_t queued = 0, queueFull = 0, queueTimeouts = 0;
};

struct BalancerView {
  std::string name;
  std::string lbmethod;
  std::vector<MemberView> members;
  std::string settings;  // e.g. "slow start 30s, outlier 5 in a row, panic 50%"
  ResilienceView resilience;
};

// The health checker: which child holds the lease (pid 0 = none), since when, and its counters.
struct CheckerView {
  uint32_t pid = 0;
  uint32_t generation = 0;
  int64_t heartbeatAgeMicros = 0;
  int64_t heldForMicros = 0;
  uint32_t members = 0;
  uint64_t probes = 0;
  uint64_t takeovers = 0;
};

struct CacheServerView {
  std::string name;
  bool up = true;
  uint64_t ops = 0, errors = 0;
  int64_t latencyMicros = 0;
};

// The shared cache's counters (all children) and its memcached servers.
struct CacheView {
  uint64_t hits = 0, misses = 0, staleServed = 0, revalidated = 0, coalesced = 0, stores = 0,
           storeFailures = 0, bytesStored = 0, bytesServed = 0, purges = 0, uncacheable = 0,
           hitForMiss = 0;
  std::vector<CacheServerView> servers;
};

// JSON: {"checker":{...},"balancers":[{"name":...,"lbmethod":...,"members":[{...}]}]}; the
// checker and cache objects only when given.
std::string renderJson(const std::vector<BalancerView>& balancers,
                       const CheckerView* checker = nullptr, const CacheView* cache = nullptr);

// A JSON string literal, quotes included, with control characters escaped.
std::string jsonString(const std::string& s);

}  // namespace fleet::status
