#include "module/discovery_glue.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "module/background_thread.h"
#include "module/cache_glue.h"
#include "module/config_glue.h"
#include "module/discovery_port_glue.h"
#include "module/guard.h"
#include "module/member_table_glue.h"
#include "module/proxy_api.h"
#include "shared/common/clock.h"
#include "shared/dns/ares_resolver.h"
#include "shared/dns/runner.h"
#include "shared/health/lease.h"
#include "shared/status/readers.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

using config::Id;

constexpr int64_t kLeaseStaleMicros = 3000000;

// Every balancer's FleetDiscover lines, each balancer once (a virtual host that inherits the main
// server's balancers sees the same ones).
std::vector<LineRef> configuredLines(server_rec* main) {
  std::vector<LineRef> out;
  std::set<std::string> seen;
  const ProxyApi& api = proxyApi();
  if (api.proxy == nullptr) {
    return out;
  }
  for (server_rec* v = main; v != nullptr; v = v->next) {
    auto* conf = static_cast<proxy_server_conf*>(ap_get_module_config(v->module_config, api.proxy));
    if (conf == nullptr) {
      continue;
    }
    auto* b = reinterpret_cast<proxy_balancer*>(conf->balancers->elts);
    for (int i = 0; i < conf->balancers->nelts; ++i) {
      const DirConfig* section = b[i].s != nullptr ? balancerSection(conf, &b[i]) : nullptr;
      const auto* specs = section != nullptr
                              ? section->object<std::vector<dns::DiscoverSpec>>(Id::kDiscover)
                              : nullptr;
      if (specs == nullptr || !seen.insert(b[i].s->name).second) {
        continue;
      }
      for (size_t j = 0; j < specs->size(); ++j) {
        out.push_back(LineRef{v, conf, &b[i], static_cast<uint32_t>(j + 1), (*specs)[j]});
      }
    }
  }
  return out;
}

// The memcached key of a line: the same on every server with the same configuration.
std::string lineKey(const LineRef& l) {
  std::string id = std::string(l.balancer->s->name) + "|" +
                   (l.spec.kind == dns::DiscoverSpec::Kind::kSrv ? "srv" : "dns") + "|" +
                   l.spec.name + "|" + l.spec.scheme + "|" + std::to_string(l.spec.port);
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : id) {
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fl2:dns:") + hex;
}

class DiscoveryThread {
 public:
  DiscoveryThread(server_rec* s, std::vector<LineRef> lines, dns::DiscoveryShared* shared,
                  uint32_t generation)
      : s_(s), shared_(shared), me_{static_cast<uint32_t>(getpid()), generation} {
    apr_allocator_create(&allocator_);
    apr_pool_create_ex(&pool_, nullptr, nullptr, allocator_);
    apr_allocator_owner_set(allocator_, pool_);
    const DirConfig& conf = serverSettings(s);
    dns::ResolverConfig rc;
    if (const auto* servers = conf.object<std::vector<std::string>>(Id::kResolver)) {
      rc.servers = *servers;
    }
    std::vector<dns::DiscoverSpec> specs;
    for (const LineRef& l : lines) {
      specs.push_back(l.spec);
    }
    port_ = makeHttpdPort(lines, pool_);
    common::Result<std::unique_ptr<dns::AresResolver>> r = dns::AresResolver::create(rc);
    if (!r.isOk()) {
      FLEET_LOG_S(APLOG_ERR, 0, s, 00034, "DNS discovery is off in this child: %s",
                  r.status().message().c_str());
      return;
    }
    resolver_ = std::move(r.value());
    runner_ = std::make_unique<dns::DiscoveryRunner>(
        std::move(specs), *conf.object<dns::TtlBounds>(Id::kResolverTtl),
        conf.number(Id::kResolverHold), *resolver_, *port_, clock_);
    // With FleetCacheServers, one member list for the whole fleet (shared/dns/fleet_list.h).
    if (cache::KeyValueStore* store = childStore()) {
      char host[256] = "localhost";
      apr_gethostname(host, sizeof host - 1, pool_);
      std::string serverId = std::string(host) + ":" + std::to_string(getppid());
      for (size_t i = 0; i < lines.size(); ++i) {
        runner_->shareThrough(i, *store, lineKey(lines[i]), serverId);
      }
    }
  }
  ~DiscoveryThread() {
    runner_.reset();
    resolver_.reset();
    port_.reset();
    apr_pool_destroy(pool_);
  }

  void start() {
    if (runner_ == nullptr) {
      return;
    }
    thread_.start([this] {
      guarded<int>(s_, "DNS discovery thread", 0, [this] {
        run();
        return 0;
      });
    });
  }
  void stop() {
    thread_.stop();
    if (runner_ != nullptr) {
      health::Lease::release(shared_->lease, me_);
    }
  }

 private:
  void run() {
    bool held = false;
    uint64_t epoch = shared_->askEpoch.load(std::memory_order_relaxed);
    while (!thread_.stopping()) {
      bool holds =
          health::Lease::tryHold(shared_->lease, me_, clock_.nowMicros(), kLeaseStaleMicros);
      if (holds && !held) {
        FLEET_LOG_S(APLOG_INFO, 0, s_, 00035, "DNS discovery runs in this child (pid %u)",
                    static_cast<unsigned>(getpid()));
        runner_->askSoon();
      }
      held = holds;
      if (!holds) {
        thread_.sleepFor(std::chrono::milliseconds(500));
        continue;
      }
      uint64_t now = shared_->askEpoch.load(std::memory_order_relaxed);
      if (now != epoch) {
        epoch = now;
        runner_->askSoon();
      }
      runner_->step(100);
      if (resolver_->pending() == 0) {
        thread_.sleepFor(std::chrono::milliseconds(100));
      }
    }
  }

  server_rec* s_;
  dns::DiscoveryShared* shared_;
  health::LeaseOwner me_;
  common::SteadyClock clock_;
  apr_allocator_t* allocator_ = nullptr;
  apr_pool_t* pool_ = nullptr;
  std::unique_ptr<dns::DiscoveryPort> port_;
  std::unique_ptr<dns::AresResolver> resolver_;
  std::unique_ptr<dns::DiscoveryRunner> runner_;
  BackgroundThread thread_;
};

apr_status_t stopDiscovery(void* data) {
  auto* t = static_cast<DiscoveryThread*>(data);
  guarded<int>(nullptr, "stopping DNS discovery", 0, [t] {
    t->stop();
    delete t;
    return 0;
  });
  return APR_SUCCESS;
}

}  // namespace

void reserveDiscoverySlots(server_rec* s) {
  for (const LineRef& l : configuredLines(s)) {
    l.balancer->growth += static_cast<int>(l.spec.slots);
  }
}

void startDiscovery(apr_pool_t* pchild, server_rec* s) {
  std::vector<LineRef> lines = configuredLines(s);
  dns::DiscoveryShared* shared = discoveryShared();
  if (lines.empty() || shared == nullptr) {
    return;
  }
  int generation = 0;
  ap_mpm_query(AP_MPMQ_GENERATION, &generation);
  auto* t = new DiscoveryThread(s, std::move(lines), shared, static_cast<uint32_t>(generation));
  try {
    t->start();
  } catch (const std::exception& e) {
    FLEET_LOG_S(APLOG_ERR, 0, s, 00036, "the DNS discovery thread could not start: %s", e.what());
    delete t;
    return;
  }
  apr_pool_pre_cleanup_register(pchild, t, stopDiscovery);
}

void discoveryAskSoon() {
  if (dns::DiscoveryShared* shared = discoveryShared()) {
    shared->askEpoch.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace fleet::glue
