// Turns a member's host and port into the address its health checks connect to. Called from the
// checker thread only. An implementation may answer later: kPending means "ask again with the same
// host and port"; the blocking getaddrinfo one answers at once, an asynchronous one need not.
#pragma once

#include <sys/socket.h>

#include <string>

namespace fleet::health {

enum class ResolveKind { kResolved, kFailed, kPending };

struct Resolution {
  ResolveKind kind = ResolveKind::kPending;
  sockaddr_storage addr{};  // kResolved: where to connect
  socklen_t addrLen = 0;
  std::string error;  // kFailed: why ("cannot resolve x: Name or service not known")
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Starts resolving host:port, or says how an earlier start has gone.
  virtual Resolution resolve(const std::string& host, int port) = 0;
};

}  // namespace fleet::health
