#include "shared/status/readers.h"

#include <algorithm>

#include "shared/health/lease.h"
#include "shared/lb/peak_ewma.h"

namespace fleet::status {
namespace {

template <typename T>
T relaxed(const std::atomic<T>& a) {
  return a.load(std::memory_order_relaxed);
}

}  // namespace

void readMemberSlot(const lb::MemberSlot& slot, const lb::HealthConfig& balancer, int64_t now,
                    MemberView* mv) {
  mv->inflight = relaxed(slot.inflight);
  mv->requests = relaxed(slot.requests);
  mv->latencyMicros = lb::PeakEwma::stored(relaxed(slot.latency));
  mv->ejected = lb::isEjected(slot, now);
  mv->ejectedForMicros = mv->ejected ? relaxed(slot.ejectedUntil) - now : 0;
  mv->ejections = relaxed(slot.ejections);
  mv->failures = relaxed(slot.failures);
  mv->slowStartPercent = lb::slowStartPercent(slot, balancer.slowStartMicros, mv->usable, now);
  mv->maxConn = relaxed(slot.maxConn);
  mv->retries = relaxed(slot.retries);
  mv->retryRefusals = relaxed(slot.retryRefusals);
}

void readDiscovery(const lb::MemberSlot& slot, int64_t wallNow, MemberView* mv) {
  int64_t at = relaxed(slot.discoveredAt);
  mv->discoveredAgoMicros =
      relaxed(slot.discoveredBy) != 0 && at > 0 ? std::max<int64_t>(0, wallNow - at) : -1;
}

ResilienceView readBalancerState(const resilience::BalancerState& b) {
  ResilienceView v;
  v.active = relaxed(b.active);
  v.retries = relaxed(b.retries);
  v.budgetRefusals = relaxed(b.budgetRefusals);
  v.queueDepth = relaxed(b.depth);
  v.queued = relaxed(b.queued);
  v.queueFull = relaxed(b.queueFull);
  v.queueTimeouts = relaxed(b.queueTimeouts);
  return v;
}

void readHealthRecord(const lb::MemberSlot& slot, int64_t wallNow, HealthView* h) {
  health::HealthSnapshot snap = health::readRecord(slot.health);
  h->checks = snap.checks;
  h->lastPassed = snap.lastPassed;
  h->reason = snap.reason;
  h->lastStatus = snap.lastStatus;
  h->lastLatencyMicros = snap.lastLatency;
  h->lastCheckedAgoMicros = snap.lastCheckedWall > 0 ? wallNow - snap.lastCheckedWall : -1;
  h->history = health::historyString(snap, 20);
  h->certDaysLeft = snap.certDaysLeft;
  h->transitions = snap.transitions;
}

CheckerView readChecker(const health::CheckerControl& c, int64_t now, int64_t wallNow) {
  CheckerView v;
  uint64_t word = c.lease.load(std::memory_order_acquire);
  health::LeaseOwner owner = health::Lease::holder(word);
  v.pid = owner.pid;
  v.generation = owner.generation;
  v.heartbeatAgeMicros = owner.pid != 0 ? health::Lease::ageMicros(word, now) : 0;
  v.heldForMicros = owner.pid != 0 ? wallNow - relaxed(c.heldSinceWall) : 0;
  v.members = relaxed(c.members);
  v.probes = relaxed(c.probes);
  v.takeovers = relaxed(c.takeovers);
  return v;
}

CacheView readCache(const cache::CacheShared& cs, const std::vector<std::string>& serverNames) {
  CacheView v;
  v.hits = relaxed(cs.hits);
  v.misses = relaxed(cs.misses);
  v.staleServed = relaxed(cs.staleServed);
  v.revalidated = relaxed(cs.revalidated);
  v.coalesced = relaxed(cs.coalesced);
  v.stores = relaxed(cs.stores);
  v.storeFailures = relaxed(cs.storeFailures);
  v.bytesStored = relaxed(cs.bytesStored);
  v.bytesServed = relaxed(cs.bytesServed);
  v.purges = relaxed(cs.purges);
  v.uncacheable = relaxed(cs.uncacheable);
  v.hitForMiss = relaxed(cs.hitForMiss);
  for (size_t i = 0; i < serverNames.size() && i < cache::kMaxServers; ++i) {
    const cache::ServerShared& s = cs.servers[i];
    v.servers.push_back({serverNames[i], relaxed(s.down) == 0, relaxed(s.ops), relaxed(s.errors),
                         relaxed(s.latencyMicros)});
  }
  return v;
}

std::string_view shortBalancerName(std::string_view name) {
  constexpr std::string_view kScheme = "balancer://";
  return name.substr(0, kScheme.size()) == kScheme ? name.substr(kScheme.size()) : name;
}

}  // namespace fleet::status
