#include "shared/dns/fleet_list.h"

#include <arpa/inet.h>

#include <sstream>

#include "shared/common/parse.h"

namespace fleet::dns {
namespace {

constexpr const char* kMagic = "fleet-dns-list 1";
constexpr size_t kMaxTargets = 1000;

bool number(const std::string& word, int64_t max, int64_t* out) {
  common::Result<int64_t> v = common::parseInteger(word, 0, max);
  if (!v.isOk()) {
    return false;
  }
  *out = v.value();
  return true;
}

// inet_pton stops at a NUL: "10.0.0.1\0junk" would pass and go, NUL and all, into a member URL.
bool isAddress(const std::string& host) {
  unsigned char buf[16];
  return host.find('\0') == std::string::npos && (inet_pton(AF_INET, host.c_str(), buf) == 1 ||
                                                  inet_pton(AF_INET6, host.c_str(), buf) == 1);
}

}  // namespace

std::string encodeList(const PublishedList& list) {
  std::string out = std::string(kMagic) + "\nversion " + std::to_string(list.version) + "\n";
  for (const Target& t : list.targets) {
    out += "member " + t.host + " " + std::to_string(t.port) + " " + std::to_string(t.loadfactor) +
           " " + std::to_string(t.lbset) + "\n";
  }
  return out + "end\n";
}

std::optional<PublishedList> decodeList(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kMagic || !std::getline(in, line)) {
    return std::nullopt;
  }
  PublishedList list;
  int64_t v = 0;
  if (line.rfind("version ", 0) != 0 || !number(line.substr(8), INT64_MAX, &v)) {
    return std::nullopt;
  }
  list.version = static_cast<uint64_t>(v);
  while (std::getline(in, line)) {
    if (line == "end") {
      std::string rest;
      return std::getline(in, rest) ? std::nullopt : std::optional<PublishedList>(list);
    }
    std::istringstream words(line);
    std::string kind, host, port, lf, lbset, extra;
    words >> kind >> host >> port >> lf >> lbset;
    int64_t p = 0, l = 0, s = 0;
    if (kind != "member" || (words >> extra) || !number(port, 65535, &p) || p == 0 ||
        !number(lf, 100, &l) || l == 0 || !number(lbset, 99, &s) || !isAddress(host) ||
        list.targets.size() >= kMaxTargets) {
      return std::nullopt;
    }
    list.targets.push_back(
        Target{host, static_cast<int>(p), static_cast<uint32_t>(l), static_cast<uint32_t>(s)});
  }
  return std::nullopt;  // no "end": cut short
}

bool FleetList::holdLease() {
  std::string leaseKey = key_ + ":lease";
  if (store_.add(leaseKey, serverId_, kLeaseSeconds)) {
    return true;
  }
  std::optional<std::string> holder = store_.get(leaseKey);
  if (holder && *holder == serverId_) {
    store_.set(leaseKey, serverId_, kLeaseSeconds);  // renewed
    return true;
  }
  return false;
}

std::optional<PublishedList> FleetList::sync(const Discovery& own, int64_t now) {
  std::string listKey = key_ + ":list";
  std::optional<PublishedList> current;
  if (std::optional<std::string> v = store_.get(listKey)) {
    current = decodeList(*v);
  }
  publisher_ = holdLease();
  if (publisher_ && own.answeredOnce()) {
    bool differs = !current || current->targets != own.targets();
    if (differs || !published_ || now - publishedAt_ >= kRepublishMicros) {
      PublishedList next;
      next.version = current ? current->version + (differs ? 1 : 0) : 1;
      next.targets = own.targets();
      if (store_.set(listKey, encodeList(next), 0)) {
        published_ = next;
        publishedAt_ = now;
        current = next;
      }
    }
  }
  return current;
}

}  // namespace fleet::dns
