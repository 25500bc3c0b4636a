// RFC 7239 Forwarded and X-Forwarded-For chains from clients and proxies in front, and the
// address parsing behind FleetTrustedProxies: every line of the input is tried as each. What
// mod_fleet writes itself (forwardedNode, forwardedValue, forwardedElement) always reads back as
// valid, and never carries a control character.
#include "shared/offload/forwarded.h"

#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::offload;
  std::string_view whole(reinterpret_cast<const char*>(data), size);
  bool chainOk = validForwarded(whole);
  FUZZ_CHECK(!chainOk || safeHeaderValue(whole));
  FUZZ_CHECK(!validForwardedFor(whole) || safeHeaderValue(whole));

  TrustedProxies trusted;
  fleet::fuzz::Input in(data, size);
  while (!in.empty()) {
    std::string_view line = in.line();
    std::optional<IpAddress> ip = IpAddress::parse(line);
    if (ip) {
      std::string text = ip->toString();
      std::optional<IpAddress> back = IpAddress::parse(text);
      FUZZ_CHECK(back && back->v6 == ip->v6 && back->bytes == ip->bytes);
      FUZZ_CHECK(validForwardedFor(text));
    }
    fleet::common::Result<Cidr> c = Cidr::parse(line);
    if (c.isOk()) {
      FUZZ_CHECK(c.value().bits >= 0 && c.value().bits <= (c.value().base.v6 ? 128 : 32));
      FUZZ_CHECK(c.value().contains(c.value().base));
      trusted.add(c.value());
    }
    (void)trusted.trusts(line);

    int port = static_cast<int>(line.size() * 997 % 70000);
    std::string node = forwardedNode(line, port);
    FUZZ_CHECK(!fleet::fuzz::hasControl(node));
    ForwardedFacts f;
    f.forNode = node;
    f.proto = "https";
    f.host = std::string(line);
    f.by = forwardedNode("192.0.2.1");
    std::string element = forwardedElement(f);
    FUZZ_CHECK(validForwarded(element));
    if (chainOk) {
      FUZZ_CHECK(validForwarded(std::string(whole) + ", " + element));
    }
    if (safeHeaderValue(line)) {
      std::string v = forwardedValue(line);
      FUZZ_CHECK(validForwarded("host=" + v));
    }
  }
  return 0;
}
