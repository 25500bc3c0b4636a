// A DNS server's answer (message.* parseResponse) and what discovery makes of it (discovery.*
// targetsFromSrv, sortTargets, memberUrl). Whatever the bytes: the reader never reads outside
// them, every A/AAAA address it returns is an address literal, every SRV target is a host name
// (letters, digits, '-', '_', dots between labels), and the members built from the records have
// ports 1..65535, loadfactors 1..100 and URLs without a byte a request line cannot carry.
#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shared/dns/discovery.h"
#include "shared/dns/message.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using fleet::dns::Record;
using fleet::dns::RecordType;

bool isLiteral(const std::string& a) {
  unsigned char buf[16];
  return a.find('\0') == std::string::npos &&
         (inet_pton(AF_INET, a.c_str(), buf) == 1 || inet_pton(AF_INET6, a.c_str(), buf) == 1);
}

bool isHostName(const std::string& n) {
  if (n.empty() || n.front() == '.' || n.back() == '.' || n.find("..") != std::string::npos) {
    return false;
  }
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fleet::dns::Response r = fleet::dns::parseResponse(data, size);
  if (!r.ok) {
    FUZZ_CHECK(!r.error.empty() && r.records.empty());
    return 0;
  }
  FUZZ_CHECK(r.rcode >= 0 && r.rcode <= 15);
  std::vector<Record> srv;
  std::vector<std::pair<std::string, Record>> addresses;
  for (const Record& rec : r.records) {
    FUZZ_CHECK(rec.ttl <= 0x7FFFFFFF);
    if (rec.type == RecordType::kSrv) {
      // "." (an empty target): the service is not there (RFC 2782).
      FUZZ_CHECK((rec.target.empty() || isHostName(rec.target)) && rec.target.size() <= 255);
      srv.push_back(rec);
    } else {
      FUZZ_CHECK(rec.type == RecordType::kA || rec.type == RecordType::kAaaa);
      FUZZ_CHECK(isLiteral(rec.address));
      // Pair each address with an SRV target seen so far, as the runner does with its answers.
      std::string owner =
          srv.empty() ? std::string("x") : srv[addresses.size() % srv.size()].target;
      addresses.emplace_back(owner, rec);
    }
  }
  std::vector<fleet::dns::Target> targets = fleet::dns::targetsFromSrv(srv, addresses);
  fleet::dns::sortTargets(&targets);
  for (size_t i = 0; i < targets.size(); ++i) {
    const fleet::dns::Target& t = targets[i];
    FUZZ_CHECK(isLiteral(t.host));
    FUZZ_CHECK(t.port >= 1 && t.port <= 65535);
    FUZZ_CHECK(t.loadfactor >= 1 && t.loadfactor <= 100);
    FUZZ_CHECK(t.lbset <= 99);  // httpd's lbset range
    if (i > 0) {
      FUZZ_CHECK(targets[i - 1].lbset <= t.lbset);
    }
    std::string url = fleet::dns::memberUrl("http", t.host, t.port);
    FUZZ_CHECK(url.find_first_of(std::string(" \r\n\t\0", 5)) == std::string::npos);
  }
  return 0;
}
