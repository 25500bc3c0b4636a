// Sizing shared by the fixed, open-addressing tables (MemberTable, SlotCache): capacity is a power
// of two kept at least twice the expected entries, so linear probes stay short.
#pragma once

#include <cstddef>

namespace fleet::lb {

// The smallest power of two >= max(16, 2 x entries).
size_t tableCapacityFor(size_t entries);
// The largest power of two of entries of `entrySize` bytes that fit in `bytes` (0 if none).
size_t tableCapacityIn(size_t bytes, size_t entrySize);

}  // namespace fleet::lb
