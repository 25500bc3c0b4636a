// Asking DNS without blocking: a query is started, and its answer (or failure) is handed to a
// callback from a later poll() on the same thread. The c-ares implementation (ares_resolver.h) is
// what httpd uses; unit tests use a scripted fake. One object per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shared/dns/message.h"

namespace fleet::dns {

enum class Outcome {
  kAnswer,  // NOERROR (records may be empty: the name has no records of this type)
  kNoName,  // NXDOMAIN
  kFailed,  // SERVFAIL, REFUSED, a timeout, an unreachable server, a malformed answer
};

struct Answer {
  Outcome outcome = Outcome::kFailed;
  std::vector<Record> records;
  std::string error;  // kNoName, kFailed: why, for the log ("timeout", "NXDOMAIN", "REFUSED")
};

class Resolver {
 public:
  using Done = std::function<void(const Answer&)>;
  virtual ~Resolver() = default;
  // Starts a query; `done` runs from a later poll() (never from inside query()).
  virtual void query(const std::string& name, RecordType type, Done done) = 0;
  // Waits up to timeoutMillis for answers (0: only what is there) and runs their callbacks.
  virtual void poll(int timeoutMillis) = 0;
  // Queries started and not answered yet.
  virtual size_t pending() const = 0;
  // The system's hosts file's address for `name` (localhost and the like, which DNS may not
  // know), read at once; false when it has none.
  virtual bool hostsFile(const std::string& name, std::string* address) {
    (void)name;
    (void)address;
    return false;
  }
};

}  // namespace fleet::dns
