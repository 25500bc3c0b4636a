// What an HTTP health check sends and how its answer is read: the request for an hcmethod
// (OPTIONS/HEAD/GET over HTTP/1.0, or the *11 variants over HTTP/1.1 with Host), the list of
// statuses that pass (default 200-399, as mod_proxy_hcheck), and an incremental parser of the
// member's response that keeps at most a bounded prefix of the body for expressions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/common/status.h"

namespace fleet::health {

enum class ProbeMethod { kNone, kTcp, kOptions, kHead, kGet };

struct ProbeSpec {
  ProbeMethod method = ProbeMethod::kNone;
  bool http11 = false;
  std::string uri = "/";
  std::string host;  // Host header for HTTP/1.1 (the member's host:port unless configured)
  bool operator==(const ProbeSpec& o) const {
    return method == o.method && http11 == o.http11 && uri == o.uri && host == o.host;
  }
};

// hcmethod values, case-insensitive: NONE TCP OPTIONS HEAD GET OPTIONS11 HEAD11 GET11.
common::Result<ProbeSpec> parseProbeMethod(std::string_view text);
const char* probeMethodName(const ProbeSpec& spec);

// The request bytes ("GET /health HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n"); uri must start with '/'.
// keepAlive asks the member to keep the connection for the next check (hcreuse).
std::string buildRequest(const ProbeSpec& spec, bool keepAlive = false);

// "200-399", "200,204,301-302": statuses from 100 to 599.
class StatusList {
 public:
  static common::Result<StatusList> parse(std::string_view text);
  static StatusList defaults();  // 200-399
  bool contains(int status) const;
  bool operator==(const StatusList& o) const { return ranges_ == o.ranges_; }

 private:
  std::vector<std::pair<int, int>> ranges_;
};

class ResponseParser {
 public:
  enum class State { kNeedMore, kDone, kError };

  explicit ResponseParser(bool headRequest, size_t maxBody = 8192, size_t maxHead = 16384)
      : head_(headRequest), maxBody_(maxBody), maxHead_(maxHead) {}

  // Ready for the next response, keeping the buffers' memory (one parser serves a member's checks
  // one after the other). Without keepHeaders, headers() stays empty: the framing headers are
  // still read, nothing else is kept.
  void reset(bool headRequest, size_t maxBody, bool keepHeaders = true);

  // Feeds bytes as they arrive; len == 0 means the member closed the connection.
  State feed(const char* data, size_t len);
  State state() const { return state_; }
  int status() const { return status_; }
  // The first maxBody bytes of the body (de-chunked).
  const std::string& body() const { return body_; }
  std::string& body() { return body_; }
  // The status line and headers are in (status() and headers() are final).
  bool headersDone() const { return inBody_; }
  // maxBody body bytes are kept: more would not be looked at.
  bool bodyFull() const { return body_.size() >= maxBody_; }
  const std::string& error() const { return error_; }
  // A response header's value (first occurrence, name case-insensitive), or "".
  std::string header(std::string_view name) const;
  // Every response header in the order received (for health check expressions).
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  std::vector<std::pair<std::string, std::string>>& headers() { return headers_; }
  // True when the response is complete, delimited by Content-Length (or has no body), nothing
  // followed it, and the member keeps the connection open (HTTP/1.1 without "close", HTTP/1.0
  // with keep-alive).
  bool reusable() const;

 private:
  State fail(const std::string& why);
  State parseHead(std::string_view head);
  State parseBody(std::string_view in);
  State parseChunks();

  bool head_;
  size_t maxBody_, maxHead_;
  bool keepHeaders_ = true;
  State state_ = State::kNeedMore;
  std::string buf_;  // an incomplete head, or chunked framing not parsed yet
  bool inBody_ = false;
  int status_ = 0;
  bool http11_ = false;
  bool connectionClose_ = false;      // the first Connection header says "close"
  bool connectionKeepAlive_ = false;  // ... or "keep-alive"
  bool trailing_ = false;             // bytes followed the complete response
  std::vector<std::pair<std::string, std::string>> headers_;
  enum class Framing { kLength, kChunked, kClose, kNone } framing_ = Framing::kNone;
  uint64_t remaining_ = 0;     // kLength: body bytes left; kChunked: bytes left in this chunk
  bool chunkTrailer_ = false;  // kChunked: the CRLF after a chunk's data is expected
  std::string body_;
  std::string error_;
};

}  // namespace fleet::health
