#include "shared/cache/cache_control.h"

#include <algorithm>
#include <cctype>

#include "shared/common/headers.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

// delta-seconds: digits only; values beyond 2^31 are clamped (RFC 9111 1.2.2).
std::optional<int64_t> deltaSeconds(std::string_view v) {
  if (v.empty()) {
    return std::nullopt;
  }
  int64_t n = 0;
  for (char c : v) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
    n = std::min<int64_t>(n * 10 + (c - '0'), 2147483648LL);
  }
  return n;
}

std::vector<std::string> fieldList(std::string_view v) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t comma = v.find(',', pos);
    std::string_view f =
        common::trimSpaces(v.substr(pos, comma == std::string_view::npos ? v.npos : comma - pos));
    if (!f.empty()) {
      out.push_back(common::toLower(f));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}

// Sets a delta-seconds directive; a repeat with another value, or a bad value, is invalid.
void setDelta(std::optional<int64_t>* field, std::string_view value, bool* invalid) {
  std::optional<int64_t> d = deltaSeconds(value);
  if (!d || (field->has_value() && **field != *d)) {
    *invalid = true;
    *field = 0;
    return;
  }
  *field = d;
}

}  // namespace

int64_t parseAge(std::string_view text) {
  if (text.empty()) {
    return 0;
  }
  std::optional<int64_t> v = deltaSeconds(common::trimSpaces(text));
  return v && *v < kInvalidAge ? *v : kInvalidAge;
}

CacheControl parseCacheControl(std::string_view value) {
  CacheControl cc;
  size_t i = 0;
  const size_t n = value.size();
  // Directive names compared without copying: same length, then case-insensitively.
  auto is = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (size_t k = 0; k < a.size(); ++k) {
      char c = a[k];
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
      if (c != b[k]) {
        return false;
      }
    }
    return true;
  };
  while (i < n) {
    while (i < n && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) {
      ++i;
    }
    size_t start = i;
    while (i < n && value[i] != '=' && value[i] != ',') {
      ++i;
    }
    std::string_view name = common::trimSpaces(value.substr(start, i - start));
    std::string arg;
    bool hasArg = false;
    if (i < n && value[i] == '=') {
      hasArg = true;
      ++i;
      while (i < n && (value[i] == ' ' || value[i] == '\t')) {
        ++i;
      }
      if (i < n && value[i] == '"') {
        ++i;
        while (i < n && value[i] != '"') {
          if (value[i] == '\\' && i + 1 < n) {
            ++i;
          }
          arg += value[i++];
        }
        if (i < n) {
          ++i;  // closing quote
        }
      } else {
        size_t a = i;
        while (i < n && value[i] != ',') {
          ++i;
        }
        arg = std::string(common::trimSpaces(value.substr(a, i - a)));
      }
    }
    if (name.empty()) {
      continue;
    }
    if (is(name, "no-store")) {
      cc.noStore = true;
    } else if (is(name, "no-cache")) {
      if (hasArg) {
        for (std::string& f : fieldList(arg)) {
          cc.noCacheFields.push_back(f);
        }
      } else {
        cc.noCache = true;
      }
    } else if (is(name, "private")) {
      if (hasArg) {
        for (std::string& f : fieldList(arg)) {
          cc.privateFields.push_back(f);
        }
      } else {
        cc.isPrivate = true;
      }
    } else if (is(name, "public")) {
      cc.isPublic = true;
    } else if (is(name, "must-revalidate")) {
      cc.mustRevalidate = true;
    } else if (is(name, "proxy-revalidate")) {
      cc.proxyRevalidate = true;
    } else if (is(name, "only-if-cached")) {
      cc.onlyIfCached = true;
    } else if (is(name, "no-transform")) {
      cc.noTransform = true;
    } else if (is(name, "must-understand")) {
      cc.mustUnderstand = true;
    } else if (is(name, "max-age")) {
      setDelta(&cc.maxAge, arg, &cc.invalidMaxAge);
    } else if (is(name, "s-maxage")) {
      setDelta(&cc.sMaxAge, arg, &cc.invalidMaxAge);
    } else if (is(name, "min-fresh")) {
      bool bad = false;
      setDelta(&cc.minFresh, arg, &bad);
    } else if (is(name, "max-stale")) {
      if (!hasArg) {
        cc.maxStaleAny = true;
      } else {
        bool bad = false;
        setDelta(&cc.maxStale, arg, &bad);
      }
    } else if (is(name, "stale-while-revalidate")) {
      bool bad = false;
      setDelta(&cc.staleWhileRevalidate, arg, &bad);
      if (bad) {
        cc.staleWhileRevalidate.reset();
      }
    } else if (is(name, "stale-if-error")) {
      bool bad = false;
      setDelta(&cc.staleIfError, arg, &bad);
      if (bad) {
        cc.staleIfError.reset();
      }
    }
  }
  return cc;
}

StatusSet StatusSet::defaults() {
  static const StatusSet kDefaults = [] {
    StatusSet s;
    for (int code : {200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 410, 414, 501}) {
      s.bits_.set(code);
    }
    return s;
  }();
  return kDefaults;
}

common::Result<StatusSet> StatusSet::parse(const std::vector<std::string>& words) {
  StatusSet s;
  if (words.empty()) {
    return common::Status(common::Code::kInvalidArgument,
                          "no status given; accepted: status codes 200-599 (not 206 or 304) and "
                          "\"default\"");
  }
  for (const std::string& w : words) {
    if (common::toLower(w) == "default") {
      s.bits_ |= defaults().bits_;
      continue;
    }
    common::Result<int64_t> code = common::parseInteger(w, 200, 599);
    if (!code.isOk() || code.value() == 206 || code.value() == 304) {
      return common::Status(common::Code::kInvalidArgument,
                            "'" + w +
                                "' is not valid; accepted: status codes 200-599 (not 206 or "
                                "304) and \"default\"");
    }
    s.bits_.set(static_cast<size_t>(code.value()));
  }
  return s;
}

std::string StatusSet::toString() const {
  std::string out;
  for (size_t i = 0; i < bits_.size(); ++i) {
    if (bits_[i]) {
      out += (out.empty() ? "" : " ") + std::to_string(i);
    }
  }
  return out;
}

}  // namespace fleet::cache
