// Every name the cache uses, in one place: the cache key of a request (scheme, host, port and
// target, plus the normalized values of the headers a response varies on) and the memcached keys
// derived from it. Memcached keys are fixed-length hashes (any URL, any tag, any bytes), under a
// prefix that names the format version, so an incompatible layout is never read as this one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::cache {

// The primary key: method-independent (HEAD is answered from GET), scheme, host (lower case),
// port and the request target (path and query, as sent).
std::string primaryKey(std::string_view scheme, std::string_view host, int port,
                       std::string_view pathAndQuery);

// A request header's value as it selects a variant: whitespace collapsed; for Accept-Encoding
// and other token lists, lower-cased and sorted, so "gzip, br" and "br,gzip" share a variant.
std::string normalizeVaryValue(std::string_view name, std::string_view value);

// The Vary header's field names, lower-cased, de-duplicated and sorted.
std::vector<std::string> varyNames(std::string_view vary);

// primary + the normalized values of the request's headers named by Vary. An absent header and
// an empty one select different variants (RFC 9111 4.1).
std::string variantKey(const std::string& primary, const std::vector<std::string>& names,
                       const std::map<std::string, std::string>& requestValues);

// The primary key a full (variant) key belongs to.
std::string_view primaryOf(std::string_view fullKey);

// A fixed-length hash of `text` under `prefix` (160 bits; collisions are checked anyway).
std::string hashedKey(std::string_view prefix, std::string_view text);

// The memcached keys, all under one prefix ("fl2:").
class Keys {
 public:
  explicit Keys(std::string prefix) : prefix_(std::move(prefix)) {}
  const std::string& prefix() const { return prefix_; }
  // A response, a Vary manifest or a hit-for-miss marker, by full key.
  std::string entry(std::string_view fullKey) const;
  std::string chunk(std::string_view fullKey, uint64_t bodyId, uint32_t index) const;
  // The coalescing lease of a miss, and the stale-while-revalidate refresh lease.
  std::string missLease(std::string_view primary) const;
  std::string refreshLease(std::string_view fullKey) const;
  // A Surrogate-Key tag's generation counter, and the mark that one generation was a soft purge.
  std::string tag(std::string_view tag) const;
  std::string softTag(std::string_view tag, uint64_t generation) const;
  // The memcached invalidation log (invalidation.h).
  std::string logHead() const;
  std::string logSlot(uint64_t seq) const;

 private:
  std::string prefix_;
};

}  // namespace fleet::cache
