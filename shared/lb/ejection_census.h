// The port through which an Attempt learns how many members of its balancer are ejected right
// now (ejections are capped at a share of the members). Implemented by the glue over httpd's
// balancer and by fakes in tests; called on request threads, only when an answer may eject.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fleet::lb {

class EjectionCensus {
 public:
  // How many members the balancer has.
  virtual size_t members() const = 0;
  // How many of them are ejected at nowMicros.
  virtual size_t ejected(int64_t nowMicros) const = 0;

 protected:
  ~EjectionCensus() = default;  // passed by reference, never owned through this type
};

}  // namespace fleet::lb
