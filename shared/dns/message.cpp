#include "shared/dns/message.h"

#include <arpa/inet.h>

namespace fleet::dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr int kMaxPointers = 64;  // more jumps than any honest name needs: a loop

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool u16(size_t at, uint16_t* v) const {
    if (at + 2 > size_) {
      return false;
    }
    *v = static_cast<uint16_t>(data_[at] << 8 | data_[at + 1]);
    return true;
  }
  bool u32(size_t at, uint32_t* v) const {
    uint16_t hi = 0, lo = 0;
    if (!u16(at, &hi) || !u16(at + 2, &lo)) {
      return false;
    }
    *v = static_cast<uint32_t>(hi) << 16 | lo;
    return true;
  }
  // The name at `at` (following compression pointers); *next is where the name ends in place.
  // hostOnly: every label holds only letters, digits, '-' and '_' (a host name that goes on to a
  // resolver, the logs and a member URL: a NUL, a space or a '.' inside a label would not).
  bool name(size_t at, std::string* out, size_t* next, bool hostOnly = false) const {
    out->clear();
    bool jumped = false;
    int jumps = 0;
    size_t pos = at;
    for (;;) {
      if (pos >= size_) {
        return false;
      }
      uint8_t len = data_[pos];
      if ((len & 0xC0) == 0xC0) {
        if (pos + 1 >= size_ || ++jumps > kMaxPointers) {
          return false;
        }
        if (!jumped) {
          *next = pos + 2;
        }
        jumped = true;
        pos = static_cast<size_t>((len & 0x3F) << 8 | data_[pos + 1]);
        continue;
      }
      if ((len & 0xC0) != 0) {
        return false;  // the reserved label types
      }
      if (len == 0) {
        if (!jumped) {
          *next = pos + 1;
        }
        return true;
      }
      if (pos + 1 + len > size_ || out->size() + len + 1 > 255) {
        return false;
      }
      if (hostOnly && !hostLabel(data_ + pos + 1, len)) {
        return false;
      }
      if (!out->empty()) {
        *out += '.';
      }
      out->append(reinterpret_cast<const char*>(data_ + pos + 1), len);
      pos += 1 + len;
    }
  }

 private:
  static bool hostLabel(const uint8_t* label, size_t len) {
    for (size_t i = 0; i < len; ++i) {
      uint8_t c = label[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  const uint8_t* data_;
  size_t size_;
};

Response malformed(const char* why) {
  Response r;
  r.error = why;
  return r;
}

}  // namespace

Response parseResponse(const uint8_t* data, size_t size) {
  Reader in(data, size);
  uint16_t flags = 0, qd = 0, an = 0;
  if (size < kHeaderSize || !in.u16(2, &flags) || !in.u16(4, &qd) || !in.u16(6, &an)) {
    return malformed("shorter than a DNS header");
  }
  if ((flags & 0x8000) == 0) {
    return malformed("not a response");
  }
  Response r;
  r.rcode = flags & 0x000F;
  r.truncated = (flags & 0x0200) != 0;
  size_t pos = kHeaderSize;
  std::string name;
  for (uint16_t i = 0; i < qd; ++i) {
    size_t next = 0;
    if (!in.name(pos, &name, &next) || next + 4 > size) {
      return malformed("a question runs past the end");
    }
    pos = next + 4;
  }
  for (uint16_t i = 0; i < an; ++i) {
    size_t next = 0;
    uint16_t type = 0, cls = 0, rdlength = 0;
    uint32_t ttl = 0;
    if (!in.name(pos, &name, &next) || !in.u16(next, &type) || !in.u16(next + 2, &cls) ||
        !in.u32(next + 4, &ttl) || !in.u16(next + 8, &rdlength)) {
      return malformed("an answer runs past the end");
    }
    size_t rdata = next + 10;
    if (rdata + rdlength > size) {
      return malformed("an answer's data runs past the end");
    }
    pos = rdata + rdlength;
    if (cls != 1) {
      continue;  // not IN
    }
    Record rec;
    rec.ttl = ttl > 0x7FFFFFFF ? 0 : ttl;  // RFC 2181 8: the top bit set means zero
    char text[INET6_ADDRSTRLEN] = {0};
    if (type == static_cast<uint16_t>(RecordType::kA)) {
      if (rdlength != 4 || inet_ntop(AF_INET, data + rdata, text, sizeof text) == nullptr) {
        return malformed("an A record is not 4 bytes");
      }
      rec.type = RecordType::kA;
      rec.address = text;
    } else if (type == static_cast<uint16_t>(RecordType::kAaaa)) {
      if (rdlength != 16 || inet_ntop(AF_INET6, data + rdata, text, sizeof text) == nullptr) {
        return malformed("an AAAA record is not 16 bytes");
      }
      rec.type = RecordType::kAaaa;
      rec.address = text;
    } else if (type == static_cast<uint16_t>(RecordType::kSrv)) {
      size_t end = 0;
      if (rdlength < 7 || !in.u16(rdata, &rec.priority) || !in.u16(rdata + 2, &rec.weight) ||
          !in.u16(rdata + 4, &rec.port) || !in.name(rdata + 6, &rec.target, &end, true) ||
          end > rdata + rdlength) {
        return malformed("an SRV record is malformed or its target is no host name");
      }
      rec.type = RecordType::kSrv;
    } else {
      continue;
    }
    r.records.push_back(std::move(rec));
  }
  r.ok = true;
  return r;
}

}  // namespace fleet::dns
