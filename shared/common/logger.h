// Logging interface for the core; module/ adapts it to ap_log_error with the FLnnnnn tag.
// Implementations must be thread-safe.
#pragma once

#include <string>

namespace fleet::common {

enum class LogLevel { kError, kWarn, kNotice, kInfo, kDebug };

class Logger {
 public:
  virtual ~Logger() = default;
  // tag is the message number (e.g. 10 for FL00010); text is logged verbatim, never as a format.
  virtual void log(LogLevel level, int tag, const std::string& text) = 0;
};

}  // namespace fleet::common
