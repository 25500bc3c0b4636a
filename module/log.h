// Tagged logging for the glue. Every message carries "FLnnnnn:"; numbers are never reused
// (module/log_tags.txt holds the next free one; tests/log_tags_test.py checks uniqueness).
// Each .cpp that logs also says APLOG_USE_MODULE(fleet) so `LogLevel fleet:debug` applies.
#pragma once

#include "module/httpd_includes.h"

#define FLEET_TAG(n) "FL" #n ": "
#define FLEET_LOG_S(level, status, server, n, ...) \
  ap_log_error(APLOG_MARK, level, status, server, FLEET_TAG(n) __VA_ARGS__)
#define FLEET_LOG_R(level, status, req, n, ...) \
  ap_log_rerror(APLOG_MARK, level, status, req, FLEET_TAG(n) __VA_ARGS__)
