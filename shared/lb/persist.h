// Learned member state that outlives a server generation: written by the parent when a
// generation ends (graceful or full restart, stop) and read by the next one, so a restart with
// the same members keeps latency estimates, ejections and the health checker's verdicts. Counters
// (in flight, requests) are not kept: they describe the old generation's processes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "shared/common/status.h"
#include "shared/lb/member_table.h"

namespace fleet::lb {

// One line per used slot: "<key> <latency word> <ejections> <ejectedUntil> <hc failing 0|1>",
// after a header.
std::string serializeLearned(const MemberTable& table);

// Claims slots for the members in `data` and restores their learned fields. Malformed lines and a
// wrong header are skipped; returns the number of members restored.
size_t restoreLearned(MemberTable& table, std::string_view data);

// Writes the table's learned state to `path` atomically (a temporary file, then rename).
common::Status saveLearnedFile(const MemberTable& table, const std::string& path);

// Restores from `path` when it exists and was written at most maxAgeSeconds before nowSeconds
// (wall-clock seconds; older state may describe other members). Returns the members restored:
// 0 when the file is absent or too old.
common::Result<size_t> loadLearnedFile(MemberTable& table, const std::string& path,
                                       int64_t nowSeconds, int64_t maxAgeSeconds);

}  // namespace fleet::lb
