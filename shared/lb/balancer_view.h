// What an Attempt asks of the balancer its request goes through: its section's settings and how
// many of its members are ejected now. Implemented by the glue and by test fakes; called on the
// request's thread, only when something is recorded (settings at most once per request).
#pragma once

#include <cstddef>
#include <cstdint>

#include "shared/lb/member_health.h"
#include "shared/lb/peak_ewma.h"

namespace fleet::lb {

struct AttemptSettings {
  static constexpr int64_t kDefaultPenaltyMicros = 500 * 1000;
  HealthConfig health;
  int64_t ewmaTauMicros = PeakEwma::kDefaultTauMicros;  // FleetEwmaDecay
  int64_t penaltyMicros = kDefaultPenaltyMicros;        // FleetEwmaPenalty: least for a failure
  double outlierFactor = 0;                             // FleetLatencyOutlier; 0 = off
  uint32_t outlierProbePpm = 0;
};

class BalancerView {
 public:
  virtual AttemptSettings settings() const = 0;
  // How many members the balancer has.
  virtual size_t members() const = 0;
  // How many of them are ejected at nowMicros.
  virtual size_t ejected(int64_t nowMicros) const = 0;

 protected:
  ~BalancerView() = default;  // passed by reference, never owned through this type
};

}  // namespace fleet::lb
