// The health checker's member addresses from the asynchronous resolver: a host name is asked (A,
// then AAAA when there is no A record) and the checker sees kPending until the answer is in, so a
// slow or dead DNS server never holds up the checks of other members. Address literals answer at
// once, and so do names in the system's hosts file (localhost). Checker thread only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "shared/dns/resolver.h"
#include "shared/health/resolver.h"

namespace fleet::dns {

class AddressResolver : public health::Resolver {
 public:
  explicit AddressResolver(dns::Resolver& dns) : dns_(dns) {}
  health::Resolution resolve(const std::string& host, int port) override;

 private:
  struct Lookup {
    bool done = false;
    bool triedAaaa = false;
    std::string address;  // the first address found
    std::string error;
  };
  void ask(const std::string& host, RecordType type);

  dns::Resolver& dns_;
  std::map<std::string, std::shared_ptr<Lookup>> lookups_;  // by host, while asked
};

// An address literal ("10.0.0.7", "::1") as a socket address with `port`; false otherwise.
bool literalAddress(const std::string& host, int port, health::Resolution* out);

}  // namespace fleet::dns
