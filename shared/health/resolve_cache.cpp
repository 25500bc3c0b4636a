#include "shared/health/resolve_cache.h"

namespace fleet::health {

Resolution ResolveCache::lookup(const std::string& host, int port, int64_t now,
                                const OnFailure& onFailure) {
  Entry& e = entries_[host + ":" + std::to_string(port)];
  bool failed = e.answer.kind == ResolveKind::kFailed;
  bool expired = e.answer.kind == ResolveKind::kPending ||
                 now - e.answeredAt >= (failed ? retryMicros_ : ttlMicros_);
  if (e.asking || expired) {
    Resolution r = resolver_.resolve(host, port);
    e.asking = r.kind == ResolveKind::kPending;
    if (!e.asking) {
      if (r.kind == ResolveKind::kFailed && r.error.empty()) {
        r.error = "cannot resolve " + host;
      }
      e.answer = std::move(r);
      e.answeredAt = now;
      if (e.answer.kind == ResolveKind::kFailed && onFailure) {
        onFailure(e.answer.error);
      }
    }
  }
  return e.answer;
}

}  // namespace fleet::health
