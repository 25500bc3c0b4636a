// What the health checker's orchestrator asks of the server it runs in: the members to check, what
// to do with a result, and whether the server is taking this child down. Called from the checker
// thread only (the glue implements it over httpd's balancers; tests over fakes).
#pragma once

#include <cstdint>
#include <vector>

#include "shared/health/checker.h"
#include "shared/health/probe_engine.h"

namespace fleet::health {

class CheckerPort {
 public:
  virtual ~CheckerPort() = default;
  // The members to check from now on, read afresh (balancer-manager may have added members or
  // edited their hc fields since the last call).
  virtual std::vector<CheckTarget> members(int64_t nowMicros) = 0;
  // One finished check of member `key`; returns whether its state is changing (a pass or fail
  // count under way), for the faster interval.
  virtual bool onResult(uint64_t key, ProbeResult& result) = 0;
  // This child has just taken the lease: its checks start now.
  virtual void tookOver() = 0;
  // The server is taking this child down (graceful restart or stop): let another child check.
  virtual bool childStopping() = 0;
  // Unix micros, for the status page's "holder since".
  virtual int64_t wallNowMicros() = 0;
};

}  // namespace fleet::health
