// Learned member state that outlives a server generation: written by the parent when a
// generation ends (graceful or full restart, stop) and read by the next one, so a restart with
// the same members keeps latency estimates and ejections. Counters (in flight, requests) are not
// kept: they describe the old generation's processes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "shared/lb/member_table.h"

namespace fleet::lb {

// One line per used slot: "<key> <latency word> <ejections> <ejectedUntil>", after a header.
std::string serializeLearned(const MemberTable& table);

// Claims slots for the members in `data` and restores their learned fields. Malformed lines and a
// wrong header are skipped; returns the number of members restored.
size_t restoreLearned(MemberTable& table, std::string_view data);

}  // namespace fleet::lb
