// The fleet's invalidation log as read back from memcached (cache/invalidation.*): the head
// counter and the "seq hash" slots, which any server (or anything else with access to memcached)
// writes. Whatever they hold, a follower either applies entries in order or says "empty the
// tier". Input: the head counter's value, then slot values, one per line ("-" for a missing one),
// then the sequence number the follower last saw.
#include "shared/cache/invalidation.h"

#include <cstdint>
#include <map>
#include <string>

#include "shared/cache/keys.h"
#include "shared/cache/kv_store.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_store.h"

namespace {}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::cache;
  fleet::fuzz::Input in(data, size);
  fleet::fuzz::FuzzStore store;
  Keys keys("fl2:");
  std::string head(in.line());
  if (head != "-") {
    store.items[keys.logHead()] = head;
  }
  std::vector<std::string_view> slots = in.block();
  for (size_t i = 0; i < slots.size() && i < kLogSlots; ++i) {
    if (slots[i] != "-") {
      store.items[keys.logSlot(i)] = std::string(slots[i]);
    }
  }
  uint64_t seen = static_cast<uint64_t>(in.numberLine());

  InvalidationLog log(store, keys, [] { return uint64_t{4242}; });
  std::optional<uint64_t> h = log.head();
  FUZZ_CHECK(h.has_value());
  uint64_t before = seen;
  size_t drops = 0;
  bool known = log.follow(&seen, *h, [&](uint64_t hash) {
    FUZZ_CHECK(hash != kEverything);
    ++drops;
  });
  FUZZ_CHECK(seen == *h);
  if (known && *h != before) {
    FUZZ_CHECK(drops == *h - before);
  }
  FUZZ_CHECK(drops <= kLogSlots);
  (void)log.publish(primaryHash(head));

  // The same log in shared memory, with the input's numbers written into the ring.
  InvalidationRing ring{};
  ring.seq.store(*h);
  for (size_t i = 0; i < kLogSlots; ++i) {
    ring.slotSeq[i].store(*h - i % 3);
    ring.slotHash[i].store(i * 0x9e3779b97f4a7c15ULL);
  }
  uint64_t ringSeen = before;
  drops = 0;
  (void)follow(ring, &ringSeen, [&](uint64_t) { ++drops; });
  FUZZ_CHECK(ringSeen == *h && drops <= kLogSlots);
  return 0;
}
