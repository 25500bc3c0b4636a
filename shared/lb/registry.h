// Balancing methods by name. Built once at startup (single-threaded); read-only afterwards, so
// lookups from request threads need no lock.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/status.h"
#include "shared/lb/load_balancer.h"

namespace fleet::lb {

class Registry {
 public:
  // httpd copies lbmethod names into a 16-byte field (PROXY_MAX_PROVIDER_NAME_SIZE).
  static constexpr size_t kMaxNameLength = 15;

  // Fails on an empty, too long, non [a-z0-9_] or duplicate name.
  common::Status add(std::unique_ptr<LoadBalancer> method);
  const LoadBalancer* find(std::string_view name) const;
  std::vector<std::string> names() const;

  // Every method mod_fleet ships.
  static Registry withBuiltins();

 private:
  std::vector<std::unique_ptr<LoadBalancer>> methods_;
};

}  // namespace fleet::lb
