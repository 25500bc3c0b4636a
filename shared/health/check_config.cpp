#include "shared/health/check_config.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "shared/common/parse.h"

namespace fleet::health {
namespace {

std::string bad(std::string_view key, std::string_view value, const std::string& accepted) {
  return std::string(key) + "='" + std::string(value) + "' is not valid; accepted: " + accepted;
}

// httpd's ap_timeout_parameter_parse spells minutes "mi" and hours "hr"; accept those too.
common::Result<int64_t> parseHcDuration(std::string_view value) {
  std::string v(value);
  if (v.size() > 2 && (v.compare(v.size() - 2, 2, "mi") == 0)) {
    v.replace(v.size() - 2, 2, "m");
  }
  if (v.size() > 2 && (v.compare(v.size() - 2, 2, "hr") == 0)) {
    v.replace(v.size() - 2, 2, "h");
  }
  return common::parseDurationMicros(v);
}

std::string setDuration(int64_t* out, std::string_view key, std::string_view value, int64_t min,
                        bool zeroOk) {
  static const char* kForms = "a duration such as 500ms, 5s or 1mi (a bare number is seconds)";
  common::Result<int64_t> d = parseHcDuration(value);
  if (!d.isOk()) {
    return bad(key, value, kForms);
  }
  if (d.value() < min && !(zeroOk && d.value() == 0)) {
    return bad(
        key, value,
        std::string(zeroOk ? "0 (off) or " : "") + "at least " + common::formatDurationMicros(min));
  }
  *out = d.value();
  return "";
}

}  // namespace

bool isCheckParam(std::string_view key) {
  static const char* kNames[] = {"hcmethod", "hcuri",          "hcinterval", "hcpasses",
                                 "hcfails",  "hcexpr",         "hctemplate", "hctimeout",
                                 "hcjitter", "hcfastinterval", "hcexpect",   "hchost",
                                 "hcsni",    "hcverify",       "hcca",       "hcreuse"};
  std::string k = common::toLower(key);
  for (const char* n : kNames) {
    if (k == n) {
      return true;
    }
  }
  return false;
}

std::string applyCheckParam(CheckConfig* c, std::string_view rawKey, std::string_view value) {
  std::string key = common::toLower(rawKey);
  if (key == "hcmethod") {
    common::Result<ProbeSpec> m = parseProbeMethod(value);
    if (!m.isOk()) {
      return "hcmethod=" + m.status().message();
    }
    c->spec.method = m.value().method;
    c->spec.http11 = m.value().http11;
    return "";
  }
  if (key == "hcuri") {
    if (value.size() >= 64) {
      return bad(key, value, "a path shorter than 64 characters");
    }
    if (!value.empty() && value[0] != '/') {
      return bad(key, value, "a path starting with /");
    }
    c->spec.uri = std::string(value);
    return "";
  }
  if (key == "hcinterval") {
    return setDuration(&c->intervalMicros, key, value, 100000, false);
  }
  if (key == "hctimeout") {
    return setDuration(&c->timeoutMicros, key, value, 10000, false);
  }
  if (key == "hcfastinterval") {
    return setDuration(&c->fastIntervalMicros, key, value, 100000, true);
  }
  if (key == "hcpasses" || key == "hcfails" || key == "hcjitter") {
    int64_t max = key == "hcjitter" ? 50 : 1000;
    common::Result<int64_t> n = common::parseInteger(value, 0, max);
    if (!n.isOk()) {
      return bad(key, value, "a whole number from 0 to " + std::to_string(max));
    }
    uint32_t v = static_cast<uint32_t>(n.value());
    if (key == "hcpasses") {
      c->passes = v;
    } else if (key == "hcfails") {
      c->fails = v;
    } else {
      c->jitterPercent = v;
    }
    return "";
  }
  if (key == "hcexpr") {
    if (value.empty() || value.size() > 15) {
      return bad(key, value, "a ProxyHCExpr name of 1 to 15 characters");
    }
    c->exprName = std::string(value);
    return "";
  }
  if (key == "hcexpect") {
    common::Result<StatusList> l = StatusList::parse(value);
    if (!l.isOk()) {
      return "hcexpect=" + l.status().message();
    }
    c->expect = l.value();
    return "";
  }
  if (key == "hchost" || key == "hcsni") {
    for (char ch : value) {
      if (std::isspace(static_cast<unsigned char>(ch)) ||
          std::iscntrl(static_cast<unsigned char>(ch))) {
        return bad(key, value, "a host name without spaces");
      }
    }
    (key == "hchost" ? c->spec.host : c->sni) = std::string(value);
    return "";
  }
  if (key == "hcverify" || key == "hcreuse") {
    common::Result<bool> b = common::parseSwitch(value);
    if (!b.isOk()) {
      return bad(key, value, "on or off");
    }
    (key == "hcverify" ? c->verify : c->reuse) = b.value();
    return "";
  }
  if (key == "hcca") {
    if (value.empty() || value[0] != '/') {
      return bad(key, value, "an absolute path to a PEM file");
    }
    std::string path(value);
    // At configtest, not at the first check: a path that cannot be read fails the start.
    if (access(path.c_str(), R_OK) != 0) {
      return std::string(key) + "='" + path + "' cannot be read (" + std::strerror(errno) +
             "); accepted: an absolute path to a readable PEM file";
    }
    c->caFile = path;
    return "";
  }
  return "unknown health check parameter '" + std::string(rawKey) + "'";
}

}  // namespace fleet::health
