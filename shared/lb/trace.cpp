#include "shared/lb/trace.h"

#include <cstdint>

namespace fleet::lb {
namespace {

class Writer {
 public:
  Writer(char* out, size_t cap) : out_(out), cap_(cap) {}
  void put(const char* s) {
    while (*s != '\0') {
      putc(*s++);
    }
  }
  void put(int64_t v) {
    char digits[24];
    int n = 0;
    uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    if (v < 0) {
      putc('-');
    }
    while (n > 0) {
      putc(digits[--n]);
    }
  }
  // At most `max` characters of s, quotes and control characters replaced by '?'.
  void putSanitized(const char* s, size_t max) {
    for (size_t i = 0; s[i] != '\0' && i < max; ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      putc(c < 0x20 || c == 0x7f || c == '"' ? '?' : static_cast<char>(c));
    }
  }
  size_t finish() {
    if (cap_ > 0) {
      out_[len_] = '\0';
    }
    return len_;
  }

 private:
  void putc(char c) {
    if (len_ + 1 < cap_) {
      out_[len_++] = c;
    }
  }
  char* out_;
  size_t cap_;
  size_t len_ = 0;
};

}  // namespace

size_t describeDecision(char* out, size_t cap, const char* method, const char* const* labels,
                        const Candidate* candidates, size_t n, const Decision& d,
                        const TraceExtras& extras) {
  Writer w(out, cap);
  w.put(method);
  w.put(" ");
  w.put(labels[d.index]);
  if (d.ncompared > 0) {
    w.put(" [");
    for (size_t i = 0; i < d.ncompared; ++i) {
      const Candidate& c = candidates[d.compared[i]];
      w.put(i > 0 ? " | " : "");
      w.put(labels[d.compared[i]]);
      w.put(" inflight=");
      w.put(c.inflight);
      w.put(" weight=");
      w.put(static_cast<int64_t>(c.weight));
      if (c.latencyMicros >= 0) {
        w.put(" latency_us=");
        w.put(static_cast<int64_t>(c.latencyMicros));
      }
    }
    w.put("]");
  }
  w.put(" of ");
  w.put(static_cast<int64_t>(n));
  if (extras.panic || extras.ejected > 0 || d.walked > 0) {
    w.put(extras.panic ? " panic" : "");
    w.put(" ejected=");
    w.put(static_cast<int64_t>(extras.ejected));
    w.put(" walked=");
    w.put(static_cast<int64_t>(d.walked));
  }
  if (extras.key != nullptr) {
    w.put(" key=\"");
    w.putSanitized(extras.key, 64);
    w.put("\"");
  }
  return w.finish();
}

std::string describeDecision(const char* method, const char* const* labels,
                             const Candidate* candidates, size_t n, const Decision& d,
                             const TraceExtras& extras) {
  char buf[1024];
  size_t len = describeDecision(buf, sizeof buf, method, labels, candidates, n, d, extras);
  return std::string(buf, len);
}

}  // namespace fleet::lb
