// The resolver the checker uses today: getaddrinfo on the calling (checker) thread, so every
// answer is there at once and a slow DNS server holds up the checks for that long.
#pragma once

#include <string>

#include "shared/health/resolver.h"

namespace fleet::health {

class BlockingResolver : public Resolver {
 public:
  Resolution resolve(const std::string& host, int port) override;
};

}  // namespace fleet::health
