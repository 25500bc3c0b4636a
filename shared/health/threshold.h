// Rise/fall for active health checks, with mod_proxy_hcheck's meaning: a healthy member fails
// after `fails` failed checks in a row (hcfails), a failing one recovers after `passes` passed
// checks in a row (hcpasses); a result of the other kind restarts the count. Pure value type: the
// glue keeps the counters in httpd's shared worker fields (fcount, pcount, the HC-fail flag).
#pragma once

#include <cstdint>

namespace fleet::health {

enum class Transition { kNone, kFailed, kRecovered };

struct Threshold {
  uint32_t passes = 1;  // hcpasses
  uint32_t fails = 1;   // hcfails

  // Applies one check result to (failing, pcount, fcount) and says whether the state flipped.
  Transition record(bool passed, bool* failing, uint32_t* pcount, uint32_t* fcount) const;
};

}  // namespace fleet::health
