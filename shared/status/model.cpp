#include "shared/status/model.h"

#include <cstdio>

#include "shared/common/utf8.h"

namespace fleet::status {

std::string jsonString(const std::string& text) {
  std::string s = common::validUtf8(text);
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

namespace {

std::string renderHealth(const HealthView& h) {
  if (!h.checked) {
    return "null";
  }
  return "{\"method\":" + jsonString(h.method) +
         ",\"interval_us\":" + std::to_string(h.intervalMicros) +
         ",\"failing\":" + (h.failing ? "true" : "false") +
         ",\"checks\":" + std::to_string(h.checks) +
         ",\"last_passed\":" + (h.lastPassed ? "true" : "false") +
         ",\"reason\":" + jsonString(h.reason) + ",\"status\":" + std::to_string(h.lastStatus) +
         ",\"latency_us\":" + std::to_string(h.lastLatencyMicros) + ",\"checked_ago_us\":" +
         (h.lastCheckedAgoMicros < 0 ? std::string("null")
                                     : std::to_string(h.lastCheckedAgoMicros)) +
         ",\"history\":" + jsonString(h.history) + ",\"cert_days_left\":" +
         (h.certDaysLeft < 0 ? std::string("null") : std::to_string(h.certDaysLeft)) +
         ",\"transitions\":" + std::to_string(h.transitions) + "}";
}

std::string renderChecker(const CheckerView& c) {
  return "{\"pid\":" + std::to_string(c.pid) + ",\"generation\":" + std::to_string(c.generation) +
         ",\"heartbeat_age_us\":" + std::to_string(c.heartbeatAgeMicros) +
         ",\"held_for_us\":" + std::to_string(c.heldForMicros) +
         ",\"members\":" + std::to_string(c.members) + ",\"probes\":" + std::to_string(c.probes) +
         ",\"takeovers\":" + std::to_string(c.takeovers) + "}";
}

std::string renderCache(const CacheView& c) {
  auto n = [](uint64_t v) { return std::to_string(v); };
  std::string out = "{\"hits\":" + n(c.hits) + ",\"misses\":" + n(c.misses) +
                    ",\"stale_served\":" + n(c.staleServed) +
                    ",\"revalidated\":" + n(c.revalidated) + ",\"coalesced\":" + n(c.coalesced) +
                    ",\"stores\":" + n(c.stores) + ",\"store_failures\":" + n(c.storeFailures) +
                    ",\"bytes_stored\":" + n(c.bytesStored) +
                    ",\"bytes_served\":" + n(c.bytesServed) + ",\"purges\":" + n(c.purges) +
                    ",\"uncacheable\":" + n(c.uncacheable) +
                    ",\"hit_for_miss\":" + n(c.hitForMiss) + ",\"servers\":[";
  for (size_t i = 0; i < c.servers.size(); ++i) {
    const CacheServerView& s = c.servers[i];
    out += std::string(i ? "," : "") + "{\"name\":" + jsonString(s.name) +
           ",\"up\":" + (s.up ? "true" : "false") + ",\"ops\":" + n(s.ops) +
           ",\"errors\":" + n(s.errors) + ",\"latency_us\":" + std::to_string(s.latencyMicros) +
           "}";
  }
  return out + "]}";
}

// The balancer's resilience counters, as fields of its object.
std::string renderResilience(const ResilienceView& v) {
  auto n = [](uint64_t x) { return std::to_string(x); };
  return "\"active\":" + std::to_string(v.active) + ",\"retries\":" + n(v.retries) +
         ",\"retry_budget_refusals\":" + n(v.budgetRefusals) +
         ",\"queue_depth\":" + n(v.queueDepth) + ",\"queued\":" + n(v.queued) +
         ",\"queue_full\":" + n(v.queueFull) + ",\"queue_timeouts\":" + n(v.queueTimeouts);
}

}  // namespace

std::string renderJson(const std::vector<BalancerView>& balancers, const CheckerView* checker,
                       const CacheView* cache) {
  std::string out = "{";
  if (checker != nullptr) {
    out += "\"checker\":" + renderChecker(*checker) + ",";
  }
  if (cache != nullptr) {
    out += "\"cache\":" + renderCache(*cache) + ",";
  }
  out += "\"balancers\":[";
  for (size_t i = 0; i < balancers.size(); ++i) {
    const BalancerView& b = balancers[i];
    out += (i ? "," : "");
    out += "{\"name\":" + jsonString(b.name) + ",\"lbmethod\":" + jsonString(b.lbmethod) +
           ",\"settings\":" + jsonString(b.settings) + "," + renderResilience(b.resilience) +
           ",\"members\":[";
    for (size_t j = 0; j < b.members.size(); ++j) {
      const MemberView& m = b.members[j];
      out += (j ? "," : "");
      out += "{\"name\":" + jsonString(m.name) + ",\"route\":" + jsonString(m.route) +
             ",\"flags\":" + jsonString(m.flags) + ",\"usable\":" + (m.usable ? "true" : "false") +
             ",\"weight\":" + std::to_string(m.weight) +
             ",\"inflight\":" + std::to_string(m.inflight) +
             ",\"requests\":" + std::to_string(m.requests) +
             ",\"elected\":" + std::to_string(m.elected) + ",\"latency_us\":" +
             (m.latencyMicros < 0 ? std::string("null")
                                  : std::to_string(static_cast<int64_t>(m.latencyMicros))) +
             ",\"ejected\":" + (m.ejected ? "true" : "false") +
             ",\"ejected_for_us\":" + std::to_string(m.ejectedForMicros) +
             ",\"ejections\":" + std::to_string(m.ejections) +
             ",\"failures\":" + std::to_string(m.failures) +
             ",\"drained\":" + (m.drained ? "true" : "false") +
             ",\"disabled\":" + (m.disabled ? "true" : "false") + ",\"slow_start_percent\":" +
             (m.slowStartPercent < 0 ? std::string("null") : std::to_string(m.slowStartPercent)) +
             ",\"max_conn\":" + std::to_string(m.maxConn) +
             ",\"lbset\":" + std::to_string(m.lbset) + ",\"source\":" +
             (m.discoveredAgoMicros < 0
                  ? std::string("\"config\"")
                  : "\"dns\",\"discovered_ago_us\":" + std::to_string(m.discoveredAgoMicros)) +
             ",\"retries\":" + std::to_string(m.retries) +
             ",\"retry_budget_refusals\":" + std::to_string(m.retryRefusals) +
             ",\"health\":" + renderHealth(m.health) + "}";
    }
    out += "]}";
  }
  return out + "]}\n";
}

}  // namespace fleet::status
