#include "shared/dns/runner.h"

#include <algorithm>
#include <limits>
#include <map>

namespace fleet::dns {
namespace {

// One line's resolution: how many queries are still out, and what came back.
struct Pending {
  DiscoverSpec spec;
  LineDone done;
  int outstanding = 0;
  uint32_t ttl = std::numeric_limits<uint32_t>::max();
  bool anyAnswer = false;
  std::string error;
  std::vector<Record> srv;
  std::vector<std::pair<std::string, Record>> addresses;  // owner (SRV target) -> A/AAAA
};

void finish(const std::shared_ptr<Pending>& p) {
  if (p->outstanding > 0) {
    return;
  }
  std::vector<Target> targets;
  if (p->spec.kind == DiscoverSpec::Kind::kSrv) {
    targets = targetsFromSrv(p->srv, p->addresses);
  } else {
    for (const auto& [owner, rec] : p->addresses) {
      targets.push_back(Target{rec.address, p->spec.port, 1, 0});
    }
    sortTargets(&targets);
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  }
  // A partial answer (one SRV target unresolvable) still counts when it found members.
  bool ok = p->anyAnswer && (p->error.empty() || !targets.empty());
  uint32_t ttl = p->ttl == std::numeric_limits<uint32_t>::max() ? 0 : p->ttl;
  std::string error = p->error.empty() && !p->anyAnswer ? "no answer" : p->error;
  p->done(ok, std::move(targets), ttl, error);
}

void takeTtl(Pending& p, const Answer& a) {
  for (const Record& r : a.records) {
    p.ttl = std::min(p.ttl, r.ttl);
  }
}

// Asks A and AAAA for `host`; its addresses are recorded under `owner`.
void askAddresses(Resolver& resolver, const std::shared_ptr<Pending>& p, const std::string& host) {
  for (RecordType type : {RecordType::kA, RecordType::kAaaa}) {
    ++p->outstanding;
    resolver.query(host, type, [p, host, type](const Answer& a) {
      --p->outstanding;
      if (a.outcome == Outcome::kAnswer) {
        p->anyAnswer = true;
        takeTtl(*p, a);
        for (const Record& r : a.records) {
          if (r.type == type) {
            p->addresses.emplace_back(host, r);
          }
        }
      } else if (type == RecordType::kA) {  // AAAA alone failing says nothing of the name
        p->error = host + ": " + a.error;
      }
      finish(p);
    });
  }
}

}  // namespace

void resolveLine(Resolver& resolver, const DiscoverSpec& spec, LineDone done) {
  auto p = std::make_shared<Pending>();
  p->spec = spec;
  p->done = std::move(done);
  if (spec.kind == DiscoverSpec::Kind::kDns) {
    askAddresses(resolver, p, spec.name);
    return;
  }
  ++p->outstanding;
  Resolver* r = &resolver;
  resolver.query(spec.name, RecordType::kSrv, [p, r](const Answer& a) {
    --p->outstanding;
    if (a.outcome != Outcome::kAnswer) {
      p->error = p->spec.name + ": " + a.error;
      finish(p);
      return;
    }
    takeTtl(*p, a);
    std::map<std::string, bool> targets;
    for (const Record& rec : a.records) {
      if (rec.type == RecordType::kSrv) {
        p->srv.push_back(rec);
        if (rec.port != 0 && !rec.target.empty()) {
          targets[rec.target] = true;
        }
      }
    }
    if (targets.empty()) {
      p->anyAnswer = true;  // an answer, with no usable record: held like a failure upstream
      finish(p);
      return;
    }
    for (const auto& [host, unused] : targets) {
      askAddresses(*r, p, host);
    }
  });
}

DiscoveryRunner::DiscoveryRunner(std::vector<DiscoverSpec> lines, TtlBounds ttl, int64_t holdMicros,
                                 Resolver& resolver, DiscoveryPort& port,
                                 const common::Clock& clock)
    : resolver_(resolver), port_(port), clock_(clock) {
  for (DiscoverSpec& s : lines) {
    lines_.push_back(std::make_unique<Discovery>(std::move(s), ttl, holdMicros));
    nextReconcile_.push_back(0);
    fleet_.push_back(nullptr);
    fleetTargets_.emplace_back();
    fleetVersion_.push_back(0);
    nextSync_.push_back(0);
  }
}

void DiscoveryRunner::shareThrough(size_t i, cache::KeyValueStore& store, const std::string& key,
                                   const std::string& serverId) {
  fleet_[i] = std::make_unique<FleetList>(store, key, serverId);
}

void DiscoveryRunner::syncFleet(size_t i, int64_t now) {
  std::optional<PublishedList> list = fleet_[i]->sync(*lines_[i], now);
  if (!list) {
    if (fleetTargets_[i]) {  // nothing published (memcached gone): own answers again
      fleetTargets_[i].reset();
      fleetVersion_[i] = 0;
      nextReconcile_[i] = 0;
    }
    return;
  }
  if (!fleetTargets_[i] || fleetVersion_[i] != list->version) {
    fleetTargets_[i] = std::move(list->targets);
    fleetVersion_[i] = list->version;
    nextReconcile_[i] = 0;
  }
}

void DiscoveryRunner::askSoon() {
  int64_t now = clock_.nowMicros();
  for (auto& l : lines_) {
    l->askSoon(now);
  }
}

void DiscoveryRunner::step(int pollMillis) {
  int64_t now = clock_.nowMicros();
  for (size_t i = 0; i < lines_.size(); ++i) {
    Discovery& d = *lines_[i];
    if (!d.due(now)) {
      continue;
    }
    d.asking();
    std::shared_ptr<bool> alive = alive_;
    resolveLine(resolver_, d.spec(),
                [this, alive, i](bool ok, std::vector<Target> targets, uint32_t ttl,
                                 const std::string& error) {
                  if (!*alive) {
                    return;
                  }
                  Discovery& line = *lines_[i];
                  int64_t at = clock_.nowMicros();
                  if (ok && !targets.empty()) {
                    line.answered(std::move(targets), ttl, at);
                  } else {
                    line.failed(ok ? "no records" : error, at);
                    port_.failing(i, line.lastError(), line.targets().size());
                  }
                  nextReconcile_[i] = 0;
                });
  }
  resolver_.poll(pollMillis);
  now = clock_.nowMicros();
  for (size_t i = 0; i < lines_.size(); ++i) {
    bool changed = lines_[i]->takeChanged();
    if (fleet_[i] != nullptr && (changed || now >= nextSync_[i])) {
      syncFleet(i, now);
      nextSync_[i] = now + kSyncMicros;
    }
    if (changed || now >= nextReconcile_[i]) {
      reconcileLine(i);
      nextReconcile_[i] = now + kRecheckMicros;
    }
  }
}

void DiscoveryRunner::reconcileLine(size_t i) {
  Discovery& d = *lines_[i];
  if (!d.answeredOnce() && !fleetTargets_[i]) {
    return;  // nothing known yet: leave whatever is there
  }
  const std::vector<Target>& targets = fleetTargets_[i] ? *fleetTargets_[i] : d.targets();
  Plan plan =
      reconcile(targets, d.spec().scheme, port_.members(i), d.spec().slots, port_.freeGrowth(i));
  for (const Action& a : plan.actions) {
    port_.apply(i, a);
  }
  for (const std::string& url : plan.noRoom) {
    port_.noRoom(i, url);
  }
}

}  // namespace fleet::dns
