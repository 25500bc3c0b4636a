// A member's health-check state as the server keeps it (for httpd: the flags and counters in the
// worker's shared memory, which balancer-manager shows and edits). Used by the checker thread only;
// the flag changes must be atomic against request threads that flip other status bits meanwhile.
#pragma once

#include "shared/lb/member_table.h"

namespace fleet::health {

class MemberState {
 public:
  virtual ~MemberState() = default;
  virtual bool hcFailed() const = 0;  // the HC-fail flag: out of rotation by the checker's verdict
  virtual bool inError() const = 0;   // in error after a failed request (waiting for its retry=)
  virtual int passCount() const = 0;  // passed checks in a row while failing (pcount)
  virtual int failCount() const = 0;  // failed checks in a row while healthy (fcount)
  virtual void setCounts(int passCount, int failCount) = 0;
  virtual int passesNeeded() const = 0;  // hcpasses; below 1 counts as 1
  virtual int failsNeeded() const = 0;   // hcfails; below 1 counts as 1
  virtual void setHcFailed() = 0;
  virtual void clearHcFailedAndInError() = 0;
  virtual void clearInError() = 0;
  // mod_fleet's own slot of the member (slow start, the health record); nullptr: table full.
  virtual lb::MemberSlot* slot() = 0;
};

}  // namespace fleet::health
