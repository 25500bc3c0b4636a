#include "shared/lb/open_table.h"

namespace fleet::lb {

size_t tableCapacityFor(size_t entries) {
  size_t cap = 16;
  while (cap < entries * 2) {
    cap *= 2;
  }
  return cap;
}

size_t tableCapacityIn(size_t bytes, size_t entrySize) {
  size_t n = bytes / entrySize;
  if (n == 0) {
    return 0;
  }
  size_t cap = 1;
  while (cap * 2 <= n) {
    cap *= 2;
  }
  return cap;
}

}  // namespace fleet::lb
