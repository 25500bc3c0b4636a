// The fleet's member list as read back from memcached (fleet_list.* decodeList), which any server
// of the fleet (or anything else that can reach memcached) may have written, and the FleetDiscover
// line of the configuration (discovery.* parseDiscover). A list that decodes holds only address
// literals, ports 1..65535, loadfactors 1..100 and lbsets 0..99, and encodes back to text that
// decodes to the same list; a line that parses names a scheme and, for A records, a port.
#include "shared/dns/fleet_list.h"

#include <arpa/inet.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/dns/discovery.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::optional<fleet::dns::PublishedList> list = fleet::dns::decodeList(text);
  if (list) {
    for (const fleet::dns::Target& t : list->targets) {
      unsigned char buf[16];
      FUZZ_CHECK(t.host.find('\0') == std::string::npos);
      FUZZ_CHECK(inet_pton(AF_INET, t.host.c_str(), buf) == 1 ||
                 inet_pton(AF_INET6, t.host.c_str(), buf) == 1);
      FUZZ_CHECK(t.port >= 1 && t.port <= 65535 && t.loadfactor >= 1 && t.loadfactor <= 100 &&
                 t.lbset <= 99);
    }
    std::optional<fleet::dns::PublishedList> again =
        fleet::dns::decodeList(fleet::dns::encodeList(*list));
    FUZZ_CHECK(again && again->version == list->version && again->targets == list->targets);
  }

  // The same bytes as a FleetDiscover line: words split at spaces and tabs, as httpd does.
  std::vector<std::string> words;
  std::string word;
  for (char c : text.substr(0, 512)) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!word.empty()) {
        words.push_back(word);
      }
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) {
    words.push_back(word);
  }
  fleet::common::Result<fleet::dns::DiscoverSpec> spec = fleet::dns::parseDiscover(words);
  if (spec.isOk()) {
    const fleet::dns::DiscoverSpec& s = spec.value();
    FUZZ_CHECK(!s.name.empty() && !s.scheme.empty() && s.slots >= 1);
    FUZZ_CHECK(s.kind == fleet::dns::DiscoverSpec::Kind::kSrv || (s.port >= 1 && s.port <= 65535));
  } else {
    FUZZ_CHECK(!spec.status().message().empty());
  }
  return 0;
}
