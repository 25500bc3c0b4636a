// A member's answer to an HTTP health check (http_probe.* ResponseParser), fed as it arrives from
// the network: in pieces of every size, then a close. However the bytes are cut, the parser
// reaches the same end (state, status, headers, kept body); the kept body never passes maxBody.
// Also the hcexpect status lists and hcmethod names the parser's callers read. The first byte
// picks HEAD or not and the piece sizes; the rest is the answer.
#include "shared/health/http_probe.h"

#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_input.h"

namespace {

using fleet::health::ResponseParser;

struct End {
  ResponseParser::State state;
  int status;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

End feedInPieces(std::string_view bytes, bool head, size_t maxBody, uint32_t seed, bool close) {
  ResponseParser p(head, maxBody, 1024);
  size_t at = 0;
  uint32_t s = seed | 1;
  while (at < bytes.size() && p.state() == ResponseParser::State::kNeedMore) {
    s = s * 1103515245u + 12345u;
    size_t n = seed == 0 ? bytes.size() : 1 + (s >> 16) % 17;
    n = std::min(n, bytes.size() - at);
    ResponseParser::State st = p.feed(bytes.data() + at, n);
    FUZZ_CHECK(st == p.state());
    FUZZ_CHECK(p.body().size() <= maxBody);
    at += n;
  }
  if (close) {
    p.feed(nullptr, 0);
  }
  FUZZ_CHECK(p.state() != ResponseParser::State::kError || !p.error().empty());
  if (p.state() == ResponseParser::State::kDone) {
    FUZZ_CHECK(p.headersDone() && p.status() >= 100 && p.status() <= 599);
  }
  (void)p.reusable();
  return End{p.state(), p.status(), p.headers(), p.body()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  uint8_t flags = data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool head = (flags & 1) != 0;
  size_t maxBody = (flags & 2) != 0 ? 16 : 8192;
  bool close = (flags & 4) != 0;

  End whole = feedInPieces(bytes, head, maxBody, 0, close);
  for (uint32_t seed : {1u, 7u, static_cast<uint32_t>(flags) + 101u}) {
    End cut = feedInPieces(bytes, head, maxBody, seed, close);
    // The head's size limit is checked per piece while it is incomplete, so a head past it may
    // fail in pieces but not whole; everything else ends the same (but reusable(), which also
    // depends on bytes that came after the end in the same piece).
    if (whole.state == ResponseParser::State::kError ||
        cut.state == ResponseParser::State::kError) {
      continue;
    }
    FUZZ_CHECK(cut.state == whole.state && cut.status == whole.status);
    FUZZ_CHECK(cut.headers == whole.headers && cut.body == whole.body);
  }

  fleet::common::Result<fleet::health::StatusList> list = fleet::health::StatusList::parse(bytes);
  if (list.isOk()) {
    (void)list.value().contains(whole.status);
  }
  fleet::common::Result<fleet::health::ProbeSpec> spec =
      fleet::health::parseProbeMethod(bytes.substr(0, 16));
  if (spec.isOk()) {
    std::string request = fleet::health::buildRequest(spec.value());
    FUZZ_CHECK(request.size() > 4 && request.compare(request.size() - 4, 4, "\r\n\r\n") == 0);
  }
  return 0;
}
