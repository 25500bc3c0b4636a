#include "module/guard.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {

void logEscapedException(server_rec* s, const char* where, const char* what) noexcept {
  ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, FLEET_TAG(00001) "%s failed: %s (this is a bug)", where,
               what);
}

}  // namespace fleet::glue
