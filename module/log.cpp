#include "module/log.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {

void ServerLogger::log(common::LogLevel level, int tag, const std::string& text) {
  int l = APLOG_DEBUG;
  switch (level) {
    case common::LogLevel::kError:
      l = APLOG_ERR;
      break;
    case common::LogLevel::kWarn:
      l = APLOG_WARNING;
      break;
    case common::LogLevel::kNotice:
      l = APLOG_NOTICE;
      break;
    case common::LogLevel::kInfo:
      l = APLOG_INFO;
      break;
    case common::LogLevel::kDebug:
      l = APLOG_DEBUG;
      break;
  }
  ap_log_error(APLOG_MARK, l, 0, s_, "FL%05d: %s", tag, text.c_str());
}

}  // namespace fleet::glue
