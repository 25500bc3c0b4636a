// The Resolver httpd uses: c-ares (Debian's libc-ares) over UDP/TCP to the configured servers
// (FleetResolver) or those of /etc/resolv.conf, with its own timeouts and retries. Answers are
// read with parseResponse (message.h), so TTLs are kept.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "shared/common/status.h"
#include "shared/dns/resolver.h"

namespace fleet::dns {

struct ResolverConfig {
  std::vector<std::string> servers;  // "127.0.0.1:5353", "[::1]:53", "10.0.0.2"; empty: resolv.conf
  int timeoutMillis = 1000;          // per try
  int tries = 2;
};

class AresResolver final : public Resolver {
 public:
  static common::Result<std::unique_ptr<AresResolver>> create(const ResolverConfig& config);
  ~AresResolver() override;
  AresResolver(const AresResolver&) = delete;
  AresResolver& operator=(const AresResolver&) = delete;

  void query(const std::string& name, RecordType type, Done done) override;
  void poll(int timeoutMillis) override;
  size_t pending() const override { return pending_; }
  bool hostsFile(const std::string& name, std::string* address) override;

 private:
  AresResolver() = default;
  struct Channel;
  std::unique_ptr<Channel> channel_;
  std::vector<std::pair<Done, Answer>> ready_;  // answered inside c-ares, run after its call
  size_t pending_ = 0;
  friend struct Callback;
};

// "127.0.0.1:5353" or "[::1]:53" or "10.0.0.2" (port 53): false when it is not an address.
bool parseServer(const std::string& text, std::string* host, int* port);

}  // namespace fleet::dns
