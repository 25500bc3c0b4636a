// One member list for the whole fleet (FleetDiscover with FleetCacheServers): for each discovery
// line, one server (the holder of a lease key in memcached) publishes its resolved, ordered list
// with a version; every server uses the newest published list instead of its own answers, so all
// of them add the same members in the same order even when DNS answers differ between them (round
// robin, different resolvers, a moment apart). Without memcached, or when nothing is published,
// a server uses its own answers. The value read back from memcached is untrusted (other servers
// write it): decodeList accepts only the exact format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/cache/kv_store.h"
#include "shared/dns/discovery.h"

namespace fleet::dns {

struct PublishedList {
  uint64_t version = 0;
  std::vector<Target> targets;
};

std::string encodeList(const PublishedList& list);
std::optional<PublishedList> decodeList(const std::string& text);

class FleetList {
 public:
  static constexpr int64_t kLeaseSeconds = 5;
  static constexpr int64_t kRepublishMicros = 30000000;  // against eviction

  // key: the line's identity (balancer and FleetDiscover words); serverId: this server's.
  FleetList(cache::KeyValueStore& store, std::string key, std::string serverId)
      : store_(store), key_(std::move(key)), serverId_(std::move(serverId)) {}

  // Once a second or so: takes or renews the lease, publishes `own` when this server holds it
  // and its answer changed, and returns the fleet's list when one is published (nullopt: use
  // your own answers).
  std::optional<PublishedList> sync(const Discovery& own, int64_t nowMicros);
  bool publisher() const { return publisher_; }

 private:
  bool holdLease();

  cache::KeyValueStore& store_;
  std::string key_;
  std::string serverId_;
  bool publisher_ = false;
  std::optional<PublishedList> published_;  // what this server published last
  int64_t publishedAt_ = 0;
};

}  // namespace fleet::dns
