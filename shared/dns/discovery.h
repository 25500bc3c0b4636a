// Members from DNS (FleetDiscover): what one discovery line asks for, how its answers become
// members (A/AAAA addresses with a port; SRV targets with weights as loadfactor and priorities as
// hot-standby lbsets), when to ask again (the records' TTL within FleetResolverTTL's bounds, early
// when told), how long a failing name keeps its last good answer (FleetResolverHold), and how a
// balancer's discovered members are brought to the answer without disrupting requests: new
// addresses added in free growth slots, vanished ones drained, then disabled once idle, and an
// address that comes back enabled again in its own slot. When no growth slot is free, a new
// address takes the slot of a member that left DNS, only once that member is disabled and idle,
// and is enabled only after it has settled (every child has let go of the old address).
// Pure logic with an injected clock; the glue applies the actions to httpd's workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "shared/common/status.h"
#include "shared/dns/resolver.h"

namespace fleet::dns {

struct DiscoverSpec {
  enum class Kind { kDns, kSrv } kind = Kind::kDns;
  std::string name;    // "app.internal" or "_http._tcp.app.internal"
  std::string scheme;  // "http", "https", "h2c", "fcgi", ...
  int port = 0;        // kDns: the members' port
  uint32_t slots = 8;  // at most this many members from this line
};

// "dns app.internal http://8080 [slots=N]" or "srv _http._tcp.app.internal http [slots=N]"; an
// error names the bad word and what is accepted.
common::Result<DiscoverSpec> parseDiscover(const std::vector<std::string>& words);

// One member as DNS describes it.
struct Target {
  std::string host;  // an address literal
  int port = 0;
  uint32_t loadfactor = 1;  // 1..100
  uint32_t lbset = 0;       // 0 = the first choice; SRV's lower priorities come later
  bool operator==(const Target& o) const {
    return host == o.host && port == o.port && loadfactor == o.loadfactor && lbset == o.lbset;
  }
};

// "http://10.0.0.7:8080" or "http://[2001:db8::7]:8080"; the scheme's default port is left out
// ("http://10.0.0.7"), as httpd writes a worker's name.
std::string memberUrl(const std::string& scheme, const std::string& host, int port);

// The members an SRV answer and its targets' addresses describe: every address of a target with
// the target's port; weights scaled to loadfactors 1..100 (all zero: equal); each distinct
// priority, lowest first, its own lbset. `addresses` maps target name -> A/AAAA records.
std::vector<Target> targetsFromSrv(const std::vector<Record>& srv,
                                   const std::vector<std::pair<std::string, Record>>& addresses);

// The order every server agrees on: lbset, then host, then port.
void sortTargets(std::vector<Target>* targets);

struct TtlBounds {
  int64_t minMicros = 1000000;    // FleetResolverTTL <min>
  int64_t maxMicros = 300000000;  // FleetResolverTTL <max>
};

// One FleetDiscover line's resolution over time.
class Discovery {
 public:
  Discovery(DiscoverSpec spec, TtlBounds ttl, int64_t holdMicros)
      : spec_(std::move(spec)), ttl_(ttl), holdMicros_(holdMicros) {}

  const DiscoverSpec& spec() const { return spec_; }
  bool due(int64_t now) const { return !asking_ && now >= nextAt_; }
  void asking() { asking_ = true; }
  // A complete answer (the targets found, and the smallest TTL among the records used).
  void answered(std::vector<Target> targets, uint32_t ttlSeconds, int64_t now);
  // No answer: NXDOMAIN, a timeout, a refusal. The last good targets stay for the hold time.
  void failed(const std::string& why, int64_t now);
  // Ask again soon (a member's health check timed out: the name may have moved).
  void askSoon(int64_t now);

  // What the balancer should have now: the answer, or the last good one while it is held.
  const std::vector<Target>& targets() const { return targets_; }
  // Whether targets() changed since the last call (and clears the mark).
  bool takeChanged();
  bool answeredOnce() const { return answeredOnce_; }
  const std::string& lastError() const { return lastError_; }
  int64_t nextAt() const { return nextAt_; }

 private:
  DiscoverSpec spec_;
  TtlBounds ttl_;
  int64_t holdMicros_;
  std::vector<Target> targets_;
  int64_t nextAt_ = 0;
  int64_t failingSince_ = 0;  // 0: the last query succeeded
  bool asking_ = false;
  bool changed_ = false;
  bool answeredOnce_ = false;
  std::string lastError_;
};

// What every child shares about discovery, in shared memory: the lease of the child that runs
// it (health::Lease's word), a counter bumped to ask for every name again soon (a health check
// of a discovered member timed out: the name may have moved), and one bumped when a worker slot
// is given to another address (every process then looks its members' slots up again).
struct DiscoveryShared {
  std::atomic<uint64_t> lease;
  std::atomic<uint64_t> askEpoch;
  std::atomic<uint64_t> renames;  // bumped when a worker slot is given to another address
};

// A discovered member of the balancer as httpd has it now.
struct MemberState {
  std::string url;
  bool enabled = false;   // not disabled
  bool draining = false;  // drain flag set
  int64_t inflight = 0;   // requests still on it (mod_fleet's count or httpd's busy)
  uint32_t loadfactor = 1;
  uint32_t lbset = 0;
  bool settling = false;  // its slot was just given to this address: not enabled yet
};

struct Action {
  enum class Kind {
    kAdd,      // a new worker in a free growth slot: url, loadfactor, lbset
    kEnable,   // url back in service (clear drain and disabled) with loadfactor, lbset
    kUpdate,   // url's loadfactor or lbset changed
    kDrain,    // url left DNS: no new requests
    kDisable,  // url drained and idle: out (its slot waits for the address to come back)
    kReuse,    // no growth slot left: the slot of `from` (disabled, idle) is given to url, which
               // stays disabled until settled, then gets kEnable
  } kind;
  std::string url;
  uint32_t loadfactor = 1;
  uint32_t lbset = 0;
  std::string from;  // kReuse: the member whose slot url takes
  std::string host;  // kReuse: url's address and port
  int port = 0;
};

struct Plan {
  std::vector<Action> actions;
  std::vector<std::string> noRoom;  // targets left out: no free slot (log them)
};

// Brings `current` (this line's members) to `targets`. At most `slots` members; `freeGrowth`
// workers can still be created in the balancer; past those, disabled idle members' slots are
// reused.
Plan reconcile(const std::vector<Target>& targets, const std::string& scheme,
               const std::vector<MemberState>& current, uint32_t slots, size_t freeGrowth);

}  // namespace fleet::dns
