#include "shared/health/http_probe.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "shared/common/parse.h"

namespace fleet::health {
namespace {

// Optional whitespace around a value, and a stray CR at the end of a header line.
std::string_view trimValue(std::string_view s) {
  s = common::trimSpaces(s);
  while (!s.empty() && s.back() == '\r') {
    s.remove_suffix(1);
  }
  return common::trimSpaces(s);
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool containsNoCase(std::string_view hay, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (equalsNoCase(hay.substr(i, needle.size()), needle)) {
      return true;
    }
  }
  return false;
}

}  // namespace

common::Result<ProbeSpec> parseProbeMethod(std::string_view text) {
  std::string t = common::toLower(text);
  ProbeSpec spec;
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "11") == 0) {
    spec.http11 = true;
    t.resize(t.size() - 2);
  }
  if (t == "none" && !spec.http11) {
    spec.method = ProbeMethod::kNone;
  } else if (t == "tcp" && !spec.http11) {
    spec.method = ProbeMethod::kTcp;
  } else if (t == "options") {
    spec.method = ProbeMethod::kOptions;
  } else if (t == "head") {
    spec.method = ProbeMethod::kHead;
  } else if (t == "get") {
    spec.method = ProbeMethod::kGet;
  } else {
    return common::Status(common::Code::kInvalidArgument,
                          "'" + std::string(text) +
                              "' is not valid; accepted: NONE, TCP, OPTIONS, "
                              "HEAD, GET, OPTIONS11, HEAD11, GET11");
  }
  return spec;
}

const char* probeMethodName(const ProbeSpec& spec) {
  switch (spec.method) {
    case ProbeMethod::kNone:
      return "NONE";
    case ProbeMethod::kTcp:
      return "TCP";
    case ProbeMethod::kOptions:
      return spec.http11 ? "OPTIONS11" : "OPTIONS";
    case ProbeMethod::kHead:
      return spec.http11 ? "HEAD11" : "HEAD";
    case ProbeMethod::kGet:
      return spec.http11 ? "GET11" : "GET";
  }
  return "NONE";
}

std::string buildRequest(const ProbeSpec& spec, bool keepAlive) {
  const char* verb = spec.method == ProbeMethod::kOptions ? "OPTIONS"
                     : spec.method == ProbeMethod::kHead  ? "HEAD"
                                                          : "GET";
  std::string uri = spec.uri.empty() ? "/" : spec.uri;
  std::string r = std::string(verb) + " " + uri + (spec.http11 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
  if (spec.http11 || !spec.host.empty()) {
    r += "Host: " + spec.host + "\r\n";
  }
  r += keepAlive ? "User-Agent: mod_fleet health check\r\nConnection: keep-alive\r\n\r\n"
                 : "User-Agent: mod_fleet health check\r\nConnection: close\r\n\r\n";
  return r;
}

common::Result<StatusList> StatusList::parse(std::string_view text) {
  StatusList list;
  auto bad = [&] {
    return common::Status(common::Code::kInvalidArgument,
                          "'" + std::string(text) +
                              "' is not valid; accepted: statuses and ranges "
                              "from 100 to 599, comma-separated (e.g. 200-399 or 200,204,301-302)");
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item =
        trimValue(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    size_t dash = item.find('-');
    auto lo = common::parseInteger(item.substr(0, dash), 100, 599);
    auto hi =
        dash == std::string_view::npos ? lo : common::parseInteger(item.substr(dash + 1), 100, 599);
    if (!lo.isOk() || !hi.isOk() || hi.value() < lo.value()) {
      return bad();
    }
    list.ranges_.emplace_back(static_cast<int>(lo.value()), static_cast<int>(hi.value()));
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return list;
}

StatusList StatusList::defaults() {
  StatusList l;
  l.ranges_.emplace_back(200, 399);
  return l;
}

bool StatusList::contains(int status) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [status](const auto& r) { return status >= r.first && status <= r.second; });
}

std::string ResponseParser::header(std::string_view name) const {
  for (const auto& h : headers_) {
    if (equalsNoCase(h.first, name)) {
      return h.second;
    }
  }
  return "";
}

void ResponseParser::reset(bool headRequest, size_t maxBody, bool keepHeaders) {
  head_ = headRequest;
  maxBody_ = maxBody;
  keepHeaders_ = keepHeaders;
  state_ = State::kNeedMore;
  buf_.clear();
  inBody_ = false;
  status_ = 0;
  http11_ = false;
  connectionClose_ = connectionKeepAlive_ = trailing_ = false;
  headers_.clear();
  framing_ = Framing::kNone;
  remaining_ = 0;
  chunkTrailer_ = false;
  body_.clear();
  error_.clear();
}

ResponseParser::State ResponseParser::fail(const std::string& why) {
  error_ = why;
  return state_ = State::kError;
}

ResponseParser::State ResponseParser::feed(const char* data, size_t len) {
  if (state_ != State::kNeedMore) {
    return state_;
  }
  if (len == 0) {  // the member closed the connection
    if (inBody_ && framing_ == Framing::kClose) {
      return state_ = State::kDone;
    }
    return fail(inBody_ ? "connection closed before the body was complete"
                        : "connection closed before the response headers were complete");
  }
  std::string_view in(data, len);
  if (inBody_) {
    return parseBody(in);
  }
  // Most answers bring their whole head in one read: it is parsed where it lies, not copied.
  size_t searchFrom = buf_.size() < 3 ? 0 : buf_.size() - 3;
  if (!buf_.empty()) {
    buf_.append(data, len);
    in = buf_;
  }
  size_t end = in.find("\r\n\r\n", searchFrom);
  if (end == std::string_view::npos) {
    if (in.size() > maxHead_) {
      return fail("response headers too large");
    }
    if (buf_.empty()) {
      buf_.assign(data, len);
    }
    return State::kNeedMore;
  }
  State s = parseHead(in.substr(0, end));
  std::string rest;
  std::string_view after = in.substr(end + 4);
  if (!buf_.empty()) {
    rest.assign(after);  // buf_ is about to be reused for the body's framing
    after = rest;
    buf_.clear();
  }
  if (s != State::kNeedMore) {
    trailing_ = !after.empty();
    return s;
  }
  return after.empty() ? State::kNeedMore : parseBody(after);
}

ResponseParser::State ResponseParser::parseHead(std::string_view head) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 || line[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(line[9])) ||
      !std::isdigit(static_cast<unsigned char>(line[10])) ||
      !std::isdigit(static_cast<unsigned char>(line[11])) ||
      (line.size() > 12 && line[12] != ' ')) {
    return fail("not an HTTP/1.x status line: '" + std::string(line.substr(0, 64)) + "'");
  }
  status_ = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  http11_ = line[7] != '0';
  if (status_ < 100 || status_ > 599) {
    return fail("status out of range");
  }
  // The first occurrence of each framing header counts, as header() would return it.
  std::string_view contentLength, transferEncoding, connection;
  bool haveLength = false, haveEncoding = false, haveConnection = false;
  size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    std::string_view h = head.substr(pos, next == std::string_view::npos ? head.npos : next - pos);
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail("malformed header line");
    }
    std::string_view name = h.substr(0, colon);
    std::string_view value = trimValue(h.substr(colon + 1));
    if (!haveLength && equalsNoCase(name, "content-length")) {
      haveLength = true;
      contentLength = value;
    } else if (!haveEncoding && equalsNoCase(name, "transfer-encoding")) {
      haveEncoding = true;
      transferEncoding = value;
    } else if (!haveConnection && equalsNoCase(name, "connection")) {
      haveConnection = true;
      connection = value;
    }
    if (keepHeaders_) {
      headers_.emplace_back(common::toLower(name), std::string(value));
    }
    pos = next == std::string_view::npos ? head.size() : next + 2;
  }
  connectionClose_ = containsNoCase(connection, "close");
  connectionKeepAlive_ = containsNoCase(connection, "keep-alive");
  inBody_ = true;
  if (head_ || status_ == 204 || status_ == 304 || status_ < 200) {
    framing_ = Framing::kNone;
    return state_ = State::kDone;
  }
  if (containsNoCase(transferEncoding, "chunked")) {
    framing_ = Framing::kChunked;
  } else if (!contentLength.empty()) {
    auto n = common::parseInteger(contentLength, 0, INT64_MAX);
    if (!n.isOk()) {
      return fail("bad Content-Length");
    }
    framing_ = Framing::kLength;
    remaining_ = static_cast<uint64_t>(n.value());
    if (remaining_ == 0) {
      return state_ = State::kDone;
    }
  } else {
    framing_ = Framing::kClose;
  }
  return State::kNeedMore;
}

ResponseParser::State ResponseParser::parseBody(std::string_view in) {
  auto keep = [this](std::string_view bytes) {
    if (body_.size() < maxBody_) {
      body_.append(bytes.data(), std::min(bytes.size(), maxBody_ - body_.size()));
    }
  };
  if (framing_ == Framing::kClose) {
    keep(in);
    return State::kNeedMore;
  }
  if (framing_ == Framing::kLength) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
    keep(in.substr(0, n));
    remaining_ -= n;
    if (remaining_ > 0) {
      return State::kNeedMore;
    }
    trailing_ = in.size() > n;
    return state_ = State::kDone;
  }
  buf_.append(in.data(), in.size());
  State s = parseChunks();
  trailing_ = s == State::kDone && !buf_.empty();
  return s;
}

ResponseParser::State ResponseParser::parseChunks() {
  auto keep = [this](const char* p, size_t n) {
    if (body_.size() < maxBody_) {
      body_.append(p, std::min(n, maxBody_ - body_.size()));
    }
  };
  for (;;) {
    if (chunkTrailer_) {
      if (buf_.size() < 2) {
        return State::kNeedMore;
      }
      if (buf_.compare(0, 2, "\r\n") != 0) {
        return fail("bad chunk framing");
      }
      buf_.erase(0, 2);
      chunkTrailer_ = false;
    }
    if (remaining_ == 0) {
      size_t eol = buf_.find("\r\n");
      if (eol == std::string::npos) {
        return buf_.size() > 1024 ? fail("bad chunk size") : State::kNeedMore;
      }
      char* end = nullptr;
      std::string sizeText = buf_.substr(0, eol);
      unsigned long long size = std::strtoull(sizeText.c_str(), &end, 16);
      if (end == sizeText.c_str()) {
        return fail("bad chunk size");
      }
      buf_.erase(0, eol + 2);
      if (size == 0) {
        return state_ = State::kDone;  // trailers are not needed
      }
      remaining_ = size;
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, buf_.size()));
    keep(buf_.data(), n);
    buf_.erase(0, n);
    remaining_ -= n;
    if (remaining_ > 0) {
      return State::kNeedMore;
    }
    chunkTrailer_ = true;
  }
}

bool ResponseParser::reusable() const {
  // Chunked answers end before their trailer section is read: not reused, to be safe.
  if (state_ != State::kDone || framing_ == Framing::kClose || framing_ == Framing::kChunked ||
      trailing_) {
    return false;
  }
  return http11_ ? !connectionClose_ : connectionKeepAlive_;
}

}  // namespace fleet::health
