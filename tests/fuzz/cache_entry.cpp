// Entries and body chunks as read back from memcached, which other servers (other versions,
// other software) write too: decodeEntry/decodeChunk on any bytes, and for a decoded entry the
// reading the cache then makes of it (stored facts, sent headers, storage TTL, freshness, the
// decision for a request, a 304). A decoded entry encodes back to the same bytes.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "shared/cache/entry.h"
#include "shared/cache/policy.h"
#include "shared/cache/stored.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using fleet::cache::Entry;

// The key written in the entry itself, so decoding gets past the key check.
std::string_view ownKey(std::string_view b) {
  if (b.size() < 9) {
    return {};
  }
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) {
    n |= static_cast<uint32_t>(static_cast<unsigned char>(b[5 + i])) << (8 * i);
  }
  return b.substr(9, n);
}

void sameEntry(const Entry& a, const Entry& b) {
  FUZZ_CHECK(a.kind == b.kind && a.key == b.key && a.status == b.status);
  FUZZ_CHECK(a.requestTime == b.requestTime && a.responseTime == b.responseTime);
  FUZZ_CHECK(a.age == b.age && a.staleSince == b.staleSince);
  FUZZ_CHECK(a.headers == b.headers && a.vary == b.vary && a.tags == b.tags);
  FUZZ_CHECK(a.bodySize == b.bodySize && a.bodyId == b.bodyId);
  FUZZ_CHECK(a.chunkSize == b.chunkSize && a.chunkCount == b.chunkCount && a.body == b.body);
}

void readAsCacheDoes(const Entry& e) {
  fleet::cache::Limits limits;
  limits.defaultStaleWhileRevalidate = 30;
  limits.defaultStaleIfError = 60;
  fleet::cache::StoredReading r = fleet::cache::readStored(e, limits);
  FUZZ_CHECK(r.sent != nullptr && r.sent->size() <= e.headers.size());
  for (const auto& kv : *r.sent) {
    FUZZ_CHECK(fleet::cache::keptInEntry(kv.first));
  }
  (void)fleet::cache::storageTtl(r.facts, limits);
  (void)fleet::cache::whyNotStorable("GET", r.facts, limits);
  const int64_t now = 1796000000;
  for (const char* cc : {"", "max-age=0", "max-stale", "min-fresh=60, stale-if-error=5"}) {
    fleet::cache::Decision d =
        fleet::cache::decide(r.facts, e.requestTime, e.responseTime, cc, "", now, limits);
    FUZZ_CHECK(d.age >= 0);
  }
  (void)fleet::cache::notModified(r.facts, e.header("ETag"), e.header("Last-Modified"), now);
  (void)fleet::cache::notModified(r.facts, "", e.header("Date"), now);
  Entry fresh = e;
  fleet::cache::freshenFrom304(&fresh, e.headers, now - 1, now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  (void)fleet::cache::decodeEntry(bytes, "http://example.com:80/");
  fleet::common::Result<Entry> e = fleet::cache::decodeEntry(bytes, ownKey(bytes));
  if (e.isOk()) {
    const Entry& entry = e.value();
    FUZZ_CHECK(entry.key == ownKey(bytes));
    FUZZ_CHECK(entry.chunkCount > 0 || entry.body.size() == entry.bodySize);
    if (entry.chunkCount > 0) {
      FUZZ_CHECK(entry.chunkSize > 0 && entry.body.empty());
      FUZZ_CHECK(uint64_t{entry.chunkCount} * entry.chunkSize >= entry.bodySize);
    }
    std::string again = fleet::cache::encodeEntry(entry);
    fleet::common::Result<Entry> back = fleet::cache::decodeEntry(again, entry.key);
    FUZZ_CHECK(back.isOk());
    sameEntry(entry, back.value());
    readAsCacheDoes(entry);
  }

  // The same bytes as a chunk, under the id and index they name, and under others.
  uint64_t id = 0;
  uint32_t index = 0;
  if (size >= 16) {
    std::memcpy(&id, data + 4, 8);  // little-endian hosts only, as the format
    std::memcpy(&index, data + 12, 4);
  }
  fleet::common::Result<std::string> c = fleet::cache::decodeChunk(bytes, id, index);
  if (c.isOk()) {
    FUZZ_CHECK(c.value() == bytes.substr(16));
    std::string re = fleet::cache::encodeChunk(id, index, c.value());
    FUZZ_CHECK(re == bytes);
  }
  FUZZ_CHECK(!fleet::cache::decodeChunk(bytes, id + 1, index).isOk());
  FUZZ_CHECK(!fleet::cache::decodeChunk(bytes, id, index + 1).isOk());
  return 0;
}
