// How responses live in memcached. An entry holds the full cache key it was stored under (checked
// on every read, so a hash collision or a foreign value is a miss), the status, the times the
// cache saw, the headers and either the body or the count of its chunks. A URL whose response
// varies has a small manifest under its primary key naming the Vary headers; each variant is an
// entry under the variant key. Bodies too large for one memcached item are cut into chunks, each
// tagged with the entry's random body id and its index, so a chunk of another version or a missing
// one makes the whole response a miss, never a mix.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/common/status.h"

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

// primary + the normalized values of the request's headers named by Vary.
std::string variantKey(const std::string& primary, const std::vector<std::string>& names,
                       const std::map<std::string, std::string>& requestValues);

// What memcached is asked for: a fixed-length hash of the full key (long URLs, any bytes).
std::string storageKey(std::string_view prefix, std::string_view fullKey);
std::string chunkKey(std::string_view prefix, std::string_view fullKey, uint64_t bodyId, uint32_t index);
// A Surrogate-Key tag's generation counter: hashed like URLs, so any tag (any length, any bytes)
// has a valid memcached key.
std::string tagKey(std::string_view prefix, std::string_view tag);

struct Entry {
  enum class Kind : uint8_t { kResponse = 1, kVaryManifest = 2 };
  Kind kind = Kind::kResponse;
  std::string key;  // the full key this entry answers
  int status = 0;
  int64_t requestTime = 0, responseTime = 0;  // wall-clock seconds
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> vary;                        // manifest: the Vary names
  std::vector<std::pair<std::string, uint64_t>> tags;   // tag and its generation when stored
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
