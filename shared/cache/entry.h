// How responses live in memcached (keys.h names where). An entry holds the full cache key it was
// stored under (checked on every read, so a hash collision or a foreign value is a miss), the
// status, the times the cache saw, the Age it received, the headers and either the body or the
// count of its chunks. A URL whose response varies has a small manifest under its primary key
// naming the Vary headers; each variant is an entry under the variant key. A URL whose last
// response could not be stored has a hit-for-miss marker there instead, for a short time. Bodies
// too large for one memcached item are cut into chunks, each tagged with the entry's random body id
// and its index, so a chunk of another version or a missing one makes the whole response a miss,
// never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/common/status.h"

namespace fleet::cache {

struct Entry {
  enum class Kind : uint8_t { kResponse = 1, kVaryManifest = 2, kHitForMiss = 3 };
  Kind kind = Kind::kResponse;
  std::string key;  // the full key this entry answers
  int status = 0;
  int64_t requestTime = 0, responseTime = 0;  // wall-clock seconds
  int64_t age = 0;         // the Age the member (or a cache before it) sent (policy.h's parseAge)
  int64_t staleSince = 0;  // a soft purge: stale from this time (for a manifest: every variant)
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> vary;                       // manifest: the Vary names
  std::vector<std::pair<std::string, uint64_t>> tags;  // tag and its generation when stored
  uint64_t bodySize = 0;
  uint64_t bodyId = 0;
  uint32_t chunkSize = 0, chunkCount = 0;  // chunkCount == 0: the body is inline
  std::string body;

  std::string header(std::string_view name) const;  // first value, "" when absent
};

std::string encodeEntry(const Entry& e);
// Rejects anything that is not a complete entry of this format stored under `expectedKey`.
common::Result<Entry> decodeEntry(std::string_view bytes, std::string_view expectedKey);

std::string encodeChunk(uint64_t bodyId, uint32_t index, std::string_view data);
// The chunk's data when it belongs to `bodyId` at `index`; an error otherwise.
common::Result<std::string> decodeChunk(std::string_view bytes, uint64_t bodyId, uint32_t index);

}  // namespace fleet::cache
