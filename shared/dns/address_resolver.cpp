#include "shared/dns/address_resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace fleet::dns {

bool literalAddress(const std::string& host, int port, health::Resolution* out) {
  std::string h = host.size() > 2 && host.front() == '[' && host.back() == ']'
                      ? host.substr(1, host.size() - 2)
                      : host;
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET, h.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(port));
    std::memcpy(&out->addr, &v4, sizeof v4);
    out->addrLen = sizeof v4;
  } else if (inet_pton(AF_INET6, h.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(port));
    std::memcpy(&out->addr, &v6, sizeof v6);
    out->addrLen = sizeof v6;
  } else {
    return false;
  }
  out->kind = health::ResolveKind::kResolved;
  return true;
}

void AddressResolver::ask(const std::string& host, RecordType type) {
  std::shared_ptr<Lookup> l = lookups_[host];
  dns_.query(host, type, [this, l, host, type](const Answer& a) {
    for (const Record& r : a.records) {
      if ((r.type == RecordType::kA || r.type == RecordType::kAaaa) && l->address.empty()) {
        l->address = r.address;
      }
    }
    if (!l->address.empty()) {
      l->done = true;
    } else if (type == RecordType::kA && a.outcome != Outcome::kFailed && !l->triedAaaa) {
      l->triedAaaa = true;  // no A record: maybe an IPv6-only name
      ask(host, RecordType::kAaaa);
    } else {
      l->error = "cannot resolve " + host + ": " +
                 (a.error.empty() ? std::string("no address records") : a.error);
      l->done = true;
    }
  });
}

health::Resolution AddressResolver::resolve(const std::string& host, int port) {
  health::Resolution out;
  std::string fromFile;
  if (literalAddress(host, port, &out) ||
      (dns_.hostsFile(host, &fromFile) && literalAddress(fromFile, port, &out))) {
    return out;
  }
  dns_.poll(0);  // answers that came in since the last call
  auto it = lookups_.find(host);
  if (it == lookups_.end()) {
    lookups_[host] = std::make_shared<Lookup>();
    ask(host, RecordType::kA);
    out.kind = health::ResolveKind::kPending;
    return out;
  }
  std::shared_ptr<Lookup> l = it->second;
  if (!l->done) {
    out.kind = health::ResolveKind::kPending;
    return out;
  }
  lookups_.erase(it);  // ResolveCache keeps the answer; the next ask is a fresh query
  if (!l->error.empty() || !literalAddress(l->address, port, &out)) {
    out = health::Resolution();
    out.kind = health::ResolveKind::kFailed;
    out.error = l->error.empty() ? "cannot resolve " + host : l->error;
  }
  return out;
}

}  // namespace fleet::dns
