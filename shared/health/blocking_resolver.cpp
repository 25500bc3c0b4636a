#include "shared/health/blocking_resolver.h"

#include "shared/health/probe_engine.h"

namespace fleet::health {

Resolution BlockingResolver::resolve(const std::string& host, int port) {
  Resolution r;
  ProbeTarget target;
  if (resolveTarget(host, port, &target, &r.error)) {
    r.kind = ResolveKind::kResolved;
    r.addr = target.addr;
    r.addrLen = target.addrLen;
  } else {
    r.kind = ResolveKind::kFailed;
  }
  return r;
}

}  // namespace fleet::health
