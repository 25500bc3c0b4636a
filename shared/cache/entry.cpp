#include "shared/cache/entry.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

constexpr char kEntryMagic[4] = {'F', 'L', 'C', '2'};
constexpr char kChunkMagic[4] = {'F', 'L', 'B', '1'};
// Stored times are wall-clock seconds within the HTTP-date range (1970 to 9999-12-31T23:59:59Z):
// a value beyond it was not written by a clock, and would overflow the age arithmetic.
constexpr uint64_t kMaxTime = 253402300799ULL;
const std::string kLineBreaks("\r\n\0", 3);

void put64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}
void put32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}
void putString(std::string* out, std::string_view s) {
  put32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool u64(uint64_t* v) {
    if (b_.size() - pos_ < 8) {
      return false;
    }
    *v = 0;
    for (int i = 0; i < 8; ++i) {
      *v |= static_cast<uint64_t>(static_cast<unsigned char>(b_[pos_ + i])) << (8 * i);
    }
    pos_ += 8;
    return true;
  }
  bool u32(uint32_t* v) {
    if (b_.size() - pos_ < 4) {
      return false;
    }
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      *v |= static_cast<uint32_t>(static_cast<unsigned char>(b_[pos_ + i])) << (8 * i);
    }
    pos_ += 4;
    return true;
  }
  bool str(std::string* s) {
    uint32_t n = 0;
    if (!u32(&n) || b_.size() - pos_ < n) {
      return false;
    }
    s->assign(b_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

common::Status corrupt(const char* what) {
  return common::Status(common::Code::kInvalidArgument,
                        std::string("cache entry rejected: ") + what);
}

}  // namespace

std::string Entry::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) {
      return v;
    }
  }
  return "";
}

std::string encodeEntry(const Entry& e) {
  std::string out(kEntryMagic, 4);
  out.push_back(static_cast<char>(e.kind));
  putString(&out, e.key);
  put32(&out, static_cast<uint32_t>(e.status));
  put64(&out, static_cast<uint64_t>(e.requestTime));
  put64(&out, static_cast<uint64_t>(e.responseTime));
  put64(&out, static_cast<uint64_t>(e.age));
  put64(&out, static_cast<uint64_t>(e.staleSince));
  put32(&out, static_cast<uint32_t>(e.headers.size()));
  for (const auto& [k, v] : e.headers) {
    putString(&out, k);
    putString(&out, v);
  }
  put32(&out, static_cast<uint32_t>(e.vary.size()));
  for (const std::string& v : e.vary) {
    putString(&out, v);
  }
  put32(&out, static_cast<uint32_t>(e.tags.size()));
  for (const auto& [t, g] : e.tags) {
    putString(&out, t);
    put64(&out, g);
  }
  put64(&out, e.bodySize);
  put64(&out, e.bodyId);
  put32(&out, e.chunkSize);
  put32(&out, e.chunkCount);
  putString(&out, e.chunkCount == 0 ? std::string_view(e.body) : std::string_view());
  return out;
}

common::Result<Entry> decodeEntry(std::string_view bytes, std::string_view expectedKey) {
  if (bytes.size() < 5 || std::memcmp(bytes.data(), kEntryMagic, 4) != 0) {
    return corrupt("not a mod_fleet entry");
  }
  Entry e;
  uint8_t kind = static_cast<uint8_t>(bytes[4]);
  if (kind < 1 || kind > 3) {
    return corrupt("unknown kind");
  }
  e.kind = static_cast<Entry::Kind>(kind);
  Reader r(bytes.substr(5));
  uint32_t status = 0, n = 0;
  uint64_t rq = 0, rs = 0, age = 0, staleSince = 0;
  if (!r.str(&e.key) || !r.u32(&status) || !r.u64(&rq) || !r.u64(&rs) || !r.u64(&age) ||
      !r.u64(&staleSince) || !r.u32(&n)) {
    return corrupt("truncated");
  }
  if (e.key != expectedKey) {
    return corrupt("stored under another key");
  }
  if (rq > kMaxTime || rs > kMaxTime || staleSince > kMaxTime) {
    return corrupt("time out of range");
  }
  if (n > 1000) {
    return corrupt("too many headers");
  }
  e.status = static_cast<int>(status);
  e.requestTime = static_cast<int64_t>(rq);
  e.responseTime = static_cast<int64_t>(rs);
  e.age = static_cast<int64_t>(std::min<uint64_t>(age, 2147483648ULL));
  e.staleSince = static_cast<int64_t>(staleSince);
  for (uint32_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.str(&k) || !r.str(&v)) {
      return corrupt("truncated headers");
    }
    // No member's header line holds these (httpd refuses them): not written by mod_fleet, and
    // they would go out as they are with a hit.
    if (k.find_first_of(kLineBreaks) != std::string::npos ||
        v.find_first_of(kLineBreaks) != std::string::npos) {
      return corrupt("header with CR, LF or NUL");
    }
    e.headers.emplace_back(std::move(k), std::move(v));
  }
  if (!r.u32(&n) || n > 100) {
    return corrupt("bad vary list");
  }
  for (uint32_t i = 0; i < n; ++i) {
    std::string v;
    if (!r.str(&v)) {
      return corrupt("truncated vary list");
    }
    e.vary.push_back(std::move(v));
  }
  if (!r.u32(&n) || n > 100) {
    return corrupt("bad tag list");
  }
  for (uint32_t i = 0; i < n; ++i) {
    std::string t;
    uint64_t g = 0;
    if (!r.str(&t) || !r.u64(&g)) {
      return corrupt("truncated tag list");
    }
    e.tags.emplace_back(std::move(t), g);
  }
  if (!r.u64(&e.bodySize) || !r.u64(&e.bodyId) || !r.u32(&e.chunkSize) || !r.u32(&e.chunkCount) ||
      !r.str(&e.body) || !r.done()) {
    return corrupt("truncated body");
  }
  if (e.chunkCount == 0 && e.body.size() != e.bodySize) {
    return corrupt("body length mismatch");
  }
  if (e.chunkCount > 0 && (e.chunkSize == 0 || !e.body.empty() ||
                           (e.bodySize + e.chunkSize - 1) / e.chunkSize != e.chunkCount)) {
    return corrupt("chunk layout mismatch");
  }
  return e;
}

std::string encodeChunk(uint64_t bodyId, uint32_t index, std::string_view data) {
  std::string out(kChunkMagic, 4);
  put64(&out, bodyId);
  put32(&out, index);
  out.append(data);
  return out;
}

common::Result<std::string> decodeChunk(std::string_view bytes, uint64_t bodyId, uint32_t index) {
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kChunkMagic, 4) != 0) {
    return corrupt("not a chunk");
  }
  Reader r(bytes.substr(4, 12));
  uint64_t id = 0;
  uint32_t i = 0;
  r.u64(&id);
  r.u32(&i);
  if (id != bodyId || i != index) {
    return corrupt("chunk of another version");
  }
  return std::string(bytes.substr(16));
}

}  // namespace fleet::cache
