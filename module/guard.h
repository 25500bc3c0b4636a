// Runs the body of an httpd entry point (hook, filter, provider, directive handler, cleanup) so no
// C++ exception ever unwinds through httpd's C frames: anything thrown is logged with FL00001 and
// the entry point returns the failure value it was given.
#pragma once

#include <exception>

#include "module/log.h"

namespace fleet::glue {

void logEscapedException(server_rec* s, const char* where, const char* what) noexcept;

template <typename R, typename F>
R guarded(server_rec* s, const char* where, R onError, F&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    logEscapedException(s, where, e.what());
  } catch (...) {
    logEscapedException(s, where, "unknown exception");
  }
  return onError;
}

}  // namespace fleet::glue
