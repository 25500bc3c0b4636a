#include "shared/health/threshold.h"

namespace fleet::health {

Transition Threshold::record(bool passed, bool* failing, uint32_t* pcount, uint32_t* fcount) const {
  if (*failing) {
    *fcount = 0;
    if (!passed) {
      *pcount = 0;
      return Transition::kNone;
    }
    if (++*pcount >= (passes == 0 ? 1 : passes)) {
      *failing = false;
      *pcount = 0;
      return Transition::kRecovered;
    }
    return Transition::kNone;
  }
  *pcount = 0;
  if (passed) {
    *fcount = 0;
    return Transition::kNone;
  }
  if (++*fcount >= (fails == 0 ? 1 : fails)) {
    *failing = true;
    *fcount = 0;
    return Transition::kFailed;
  }
  return Transition::kNone;
}

}  // namespace fleet::health
