// The discovery loop of the child that holds the discovery lease: every FleetDiscover line asked
// when due (A and AAAA for a name; SRV, then every target's addresses), answers turned into the
// line's targets (held while a name fails), and the balancer brought to them a step at a time
// through a port the glue implements on httpd's workers. Called from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared/common/clock.h"
#include "shared/dns/discovery.h"
#include "shared/dns/fleet_list.h"
#include "shared/dns/resolver.h"

namespace fleet::dns {

// What the runner asks of httpd, per line (an index into the lines it was given).
class DiscoveryPort {
 public:
  virtual ~DiscoveryPort() = default;
  virtual std::vector<MemberState> members(size_t line) = 0;
  // Workers the line's balancer can still create.
  virtual size_t freeGrowth(size_t line) = 0;
  // Carries out one action; false when httpd refused it (it is tried again next step).
  virtual bool apply(size_t line, const Action& action) = 0;
  // For the log: a target left out for want of a slot; a name that stopped answering.
  virtual void noRoom(size_t line, const std::string& url) = 0;
  virtual void failing(size_t line, const std::string& why, size_t kept) = 0;
};

// Resolves one line once: ok with its targets and the smallest TTL of the records used, or the
// reason it failed. `done` runs from a later resolver.poll().
using LineDone = std::function<void(bool ok, std::vector<Target> targets, uint32_t ttl,
                                    const std::string& error)>;
void resolveLine(Resolver& resolver, const DiscoverSpec& spec, LineDone done);

class DiscoveryRunner {
 public:
  DiscoveryRunner(std::vector<DiscoverSpec> lines, TtlBounds ttl, int64_t holdMicros,
                  Resolver& resolver, DiscoveryPort& port, const common::Clock& clock);
  ~DiscoveryRunner() { *alive_ = false; }
  DiscoveryRunner(const DiscoveryRunner&) = delete;
  DiscoveryRunner& operator=(const DiscoveryRunner&) = delete;
  // Starts due queries, waits up to pollMillis for answers, applies what changed. Members that
  // drain are looked at again every `recheckMicros` until they can be disabled.
  void step(int pollMillis);
  // Every name is asked again at the next step.
  void askSoon();
  // Line i follows the fleet's published list (fleet_list.h) under `key` in `store`.
  void shareThrough(size_t i, cache::KeyValueStore& store, const std::string& key,
                    const std::string& serverId);
  // The version of the fleet's list line i uses; 0 when it uses its own answers.
  uint64_t fleetVersion(size_t i) const { return fleetVersion_[i]; }
  const Discovery& line(size_t i) const { return *lines_[i]; }
  size_t lines() const { return lines_.size(); }

  static constexpr int64_t kRecheckMicros = 500000;
  static constexpr int64_t kSyncMicros = 1000000;  // how often the fleet's list is read

 private:
  void reconcileLine(size_t i);
  void syncFleet(size_t i, int64_t now);

  std::vector<std::unique_ptr<Discovery>> lines_;
  std::vector<std::unique_ptr<FleetList>> fleet_;  // per line; nullptr: alone
  std::vector<std::optional<std::vector<Target>>> fleetTargets_;
  std::vector<uint64_t> fleetVersion_;
  std::vector<int64_t> nextSync_;
  std::vector<int64_t> nextReconcile_;
  Resolver& resolver_;
  DiscoveryPort& port_;
  const common::Clock& clock_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // answers after destruction
};

}  // namespace fleet::dns
