#include "shared/lb/persist.h"

#include <sys/stat.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fleet::lb {
namespace {
constexpr const char* kHeader = "mod_fleet learned member state v2";
}

std::string serializeLearned(const MemberTable& table) {
  std::string out = std::string(kHeader) + "\n";
  for (size_t i = 0; i < table.capacity(); ++i) {
    const MemberSlot& s = table.slotAt(i);
    uint64_t key = s.key.load(std::memory_order_relaxed);
    if (key == 0) {
      continue;
    }
    char line[128];
    std::snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64 " %" PRIu32 " %" PRId64 " %u\n", key,
                  s.latency.load(std::memory_order_relaxed),
                  s.ejections.load(std::memory_order_relaxed),
                  s.ejectedUntil.load(std::memory_order_relaxed),
                  s.health.failing.load(std::memory_order_relaxed) ? 1u : 0u);
    out += line;
  }
  return out;
}

size_t restoreLearned(MemberTable& table, std::string_view data) {
  size_t eol = data.find('\n');
  if (eol == std::string_view::npos || data.substr(0, eol) != kHeader) {
    return 0;
  }
  size_t restored = 0;
  size_t pos = eol + 1;
  while (pos < data.size()) {
    eol = data.find('\n', pos);
    std::string line(
        data.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
    pos = eol == std::string_view::npos ? data.size() : eol + 1;
    uint64_t key = 0, latency = 0;
    uint32_t ejections = 0;
    int64_t until = 0;
    unsigned hcFailing = 0;
    char extra = 0;
    if (std::sscanf(line.c_str(), "%" SCNu64 " %" SCNu64 " %" SCNu32 " %" SCNd64 " %u %c", &key,
                    &latency, &ejections, &until, &hcFailing, &extra) != 5 ||
        key == 0 || hcFailing > 1) {
      continue;
    }
    MemberSlot* s = table.findOrClaim(key);
    if (s == nullptr) {
      break;  // full
    }
    s->latency.store(latency, std::memory_order_relaxed);
    s->ejections.store(ejections, std::memory_order_relaxed);
    s->ejectedUntil.store(until, std::memory_order_relaxed);
    s->health.failing.store(hcFailing, std::memory_order_relaxed);
    ++restored;
  }
  return restored;
}

common::Status saveLearnedFile(const MemberTable& table, const std::string& path) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << serializeLearned(table);
    if (!out) {
      return common::Status(common::Code::kUnavailable, "cannot write " + tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return common::Status(common::Code::kUnavailable,
                          "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return common::Status::ok();
}

common::Result<size_t> loadLearnedFile(MemberTable& table, const std::string& path,
                                       int64_t nowSeconds, int64_t maxAgeSeconds) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 ||
      nowSeconds - static_cast<int64_t>(st.st_mtime) > maxAgeSeconds) {
    return size_t{0};
  }
  std::ifstream in(path);
  if (!in) {
    return common::Status(common::Code::kUnavailable, "cannot read " + path);
  }
  std::stringstream data;
  data << in.rdbuf();
  return restoreLearned(table, data.str());
}

}  // namespace fleet::lb
