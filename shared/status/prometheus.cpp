// The status views in Prometheus' text exposition format (0.0.4): one family per counter or
// gauge, members labelled by balancer and member, balancers by balancer.
#include <cstdio>
#include <functional>

#include "shared/status/pages.h"

namespace fleet::status {
namespace {

std::string num(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string renderPrometheus(const std::vector<BalancerView>& balancers, const CheckerView* checker,
                             const CacheView* cache) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help,
                    const std::function<void(const std::string&)>& samples) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    samples(name);
  };
  auto perMember = [&](const char* name, const char* type, const char* help,
                       const std::function<bool(const MemberView&, double*)>& value) {
    family(name, type, help, [&](const std::string& n) {
      for (const BalancerView& b : balancers) {
        for (const MemberView& m : b.members) {
          double v = 0;
          if (!value(m, &v)) {
            continue;
          }
          out += n + "{balancer=\"" + promLabel(b.name) + "\",member=\"" + promLabel(m.name) +
                 "\"} " + num(v, 6) + "\n";
        }
      }
    });
  };
  perMember("fleet_member_usable", "gauge", "1 when httpd may send new requests to the member.",
            [](const MemberView& m, double* v) {
              *v = m.usable;
              return true;
            });
  perMember("fleet_member_weight", "gauge", "The member's lbfactor (1 = 100).",
            [](const MemberView& m, double* v) {
              *v = m.weight / 100.0;
              return true;
            });
  perMember("fleet_member_in_flight", "gauge",
            "Requests sent to the member and not finished, all children.",
            [](const MemberView& m, double* v) {
              *v = static_cast<double>(m.inflight);
              return true;
            });
  perMember("fleet_member_requests_total", "counter",
            "Requests sent to the member through mod_fleet.", [](const MemberView& m, double* v) {
              *v = static_cast<double>(m.requests);
              return true;
            });
  perMember("fleet_member_failures_total", "counter",
            "Error answers and failed attempts of the member.", [](const MemberView& m, double* v) {
              *v = static_cast<double>(m.failures);
              return true;
            });
  perMember("fleet_member_latency_seconds", "gauge",
            "Peak-EWMA latency estimate (absent before a sample).",
            [](const MemberView& m, double* v) {
              *v = m.latencyMicros / 1e6;
              return m.latencyMicros >= 0;
            });
  perMember("fleet_member_ejected", "gauge",
            "1 while passive outlier ejection keeps the member out.",
            [](const MemberView& m, double* v) {
              *v = m.ejected;
              return true;
            });
  perMember("fleet_member_ejections", "gauge", "Recent ejections (each doubles the next one).",
            [](const MemberView& m, double* v) {
              *v = m.ejections;
              return true;
            });
  perMember("fleet_member_health_failing", "gauge", "1 while the member is marked HC-fail.",
            [](const MemberView& m, double* v) {
              *v = m.health.failing;
              return m.health.checked;
            });
  perMember("fleet_member_health_checks_total", "counter", "Active health checks of the member.",
            [](const MemberView& m, double* v) {
              *v = static_cast<double>(m.health.checks);
              return m.health.checked;
            });
  perMember("fleet_member_health_latency_seconds", "gauge", "Latency of the last health check.",
            [](const MemberView& m, double* v) {
              *v = m.health.lastLatencyMicros / 1e6;
              return m.health.checked && m.health.checks > 0;
            });
  perMember("fleet_member_cert_days_left", "gauge",
            "Days until the member's TLS certificate expires.", [](const MemberView& m, double* v) {
              *v = m.health.certDaysLeft;
              return m.health.certDaysLeft >= 0;
            });
  perMember("fleet_member_max_conn", "gauge", "The member's maxconn= limit (absent when none).",
            [](const MemberView& m, double* v) {
              *v = static_cast<double>(m.maxConn);
              return m.maxConn > 0;
            });
  perMember("fleet_member_retries_total", "counter",
            "Requests sent on to another member after this one failed them (FleetRetry).",
            [](const MemberView& m, double* v) {
              *v = static_cast<double>(m.retries);
              return true;
            });
  auto perBalancer = [&](const char* name, const char* type, const char* help,
                         const std::function<double(const ResilienceView&)>& value) {
    family(name, type, help, [&](const std::string& n) {
      for (const BalancerView& b : balancers) {
        out += n + "{balancer=\"" + promLabel(b.name) + "\"} " + num(value(b.resilience), 0) + "\n";
      }
    });
  };
  perBalancer("fleet_balancer_retries_total", "counter", "Requests sent to another member.",
              [](const ResilienceView& v) { return static_cast<double>(v.retries); });
  perBalancer("fleet_balancer_retry_budget_refusals_total", "counter",
              "Retries the retry budget refused.",
              [](const ResilienceView& v) { return static_cast<double>(v.budgetRefusals); });
  perBalancer("fleet_balancer_queue_depth", "gauge",
              "Requests waiting for a member below its maxconn=, all children.",
              [](const ResilienceView& v) { return static_cast<double>(v.queueDepth); });
  perBalancer("fleet_balancer_queued_total", "counter", "Requests that waited in the queue.",
              [](const ResilienceView& v) { return static_cast<double>(v.queued); });
  perBalancer("fleet_balancer_queue_full_total", "counter",
              "Requests refused (503) because the queue was full.",
              [](const ResilienceView& v) { return static_cast<double>(v.queueFull); });
  perBalancer("fleet_balancer_queue_timeouts_total", "counter",
              "Requests that waited the whole queue timeout (503).",
              [](const ResilienceView& v) { return static_cast<double>(v.queueTimeouts); });
  if (checker != nullptr) {
    family("fleet_checker_members", "gauge", "Members the health checker checks.",
           [&](const std::string& n) { out += n + " " + std::to_string(checker->members) + "\n"; });
    family(
        "fleet_checker_takeovers_total", "counter", "Times a child took over health checking.",
        [&](const std::string& n) { out += n + " " + std::to_string(checker->takeovers) + "\n"; });
  }
  if (cache != nullptr) {
    auto counter = [&](const char* name, const char* help, uint64_t v) {
      family(name, "counter", help,
             [&](const std::string& n) { out += n + " " + std::to_string(v) + "\n"; });
    };
    counter("fleet_cache_hits_total", "Requests answered from the cache.", cache->hits);
    counter("fleet_cache_misses_total", "Lookups that went to the member.", cache->misses);
    counter("fleet_cache_stale_served_total",
            "Stale responses served (max-stale, stale-while-revalidate, stale-if-error).",
            cache->staleServed);
    counter("fleet_cache_revalidated_total", "Stored responses refreshed by a 304.",
            cache->revalidated);
    counter("fleet_cache_coalesced_total", "Misses answered by another request's fetch.",
            cache->coalesced);
    counter("fleet_cache_stores_total", "Responses stored.", cache->stores);
    counter("fleet_cache_store_failures_total", "Responses that could not be stored.",
            cache->storeFailures);
    counter("fleet_cache_stored_bytes_total", "Body bytes stored.", cache->bytesStored);
    counter("fleet_cache_served_bytes_total", "Body bytes served from the cache.",
            cache->bytesServed);
    counter("fleet_cache_purges_total", "PURGE requests.", cache->purges);
    counter("fleet_cache_uncacheable_total", "Member responses that could not be stored.",
            cache->uncacheable);
    counter("fleet_cache_hit_for_miss_total",
            "Misses sent straight to the member: the URL's last answer could not be stored.",
            cache->hitForMiss);
    family("fleet_cache_server_up", "gauge", "1 while the memcached server answers.",
           [&](const std::string& n) {
             for (const CacheServerView& s : cache->servers) {
               out += n + "{server=\"" + promLabel(s.name) + "\"} " + (s.up ? "1" : "0") + "\n";
             }
           });
    family("fleet_cache_server_errors_total", "counter", "Failed operations per memcached server.",
           [&](const std::string& n) {
             for (const CacheServerView& s : cache->servers) {
               out +=
                   n + "{server=\"" + promLabel(s.name) + "\"} " + std::to_string(s.errors) + "\n";
             }
           });
  }
  return out;
}

}  // namespace fleet::status
