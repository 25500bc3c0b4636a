#include "shared/dns/discovery.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "shared/common/parse.h"

namespace fleet::dns {
namespace {

common::Status bad(const std::string& word, const std::string& accepted) {
  return common::Status(common::Code::kInvalidArgument,
                        "'" + word + "' is not valid; accepted: " + accepted);
}

bool validName(const std::string& n, bool srv) {
  if (n.empty() || n.size() > 253 || n.front() == '.' || n.find("..") != std::string::npos) {
    return false;
  }
  if (srv && n[0] != '_') {
    return false;
  }
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

bool validScheme(const std::string& s) {
  return !s.empty() && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

std::string lower(const std::string& s) { return common::toLower(s); }

}  // namespace

common::Result<DiscoverSpec> parseDiscover(const std::vector<std::string>& words) {
  DiscoverSpec d;
  const char* usage =
      "dns <name> <scheme>://<port> [slots=<n>] or srv <_service._proto.name> <scheme> "
      "[slots=<n>]";
  if (words.size() < 3) {
    return common::Status(common::Code::kInvalidArgument, std::string("takes ") + usage);
  }
  std::string kind = lower(words[0]);
  if (kind != "dns" && kind != "srv") {
    return bad(words[0], usage);
  }
  d.kind = kind == "dns" ? DiscoverSpec::Kind::kDns : DiscoverSpec::Kind::kSrv;
  bool srv = d.kind == DiscoverSpec::Kind::kSrv;
  if (!validName(words[1], srv)) {
    return bad(words[1], srv ? "an SRV name such as _http._tcp.app.internal"
                             : "a host name such as app.internal");
  }
  d.name = words[1];
  if (srv) {
    d.scheme = lower(words[2]);
    if (!validScheme(d.scheme)) {
      return bad(words[2], "a scheme such as http, https or fcgi");
    }
  } else {
    std::string w = lower(words[2]);
    size_t sep = w.find("://");
    common::Result<int64_t> port =
        sep == std::string::npos
            ? common::Result<int64_t>(common::Status(common::Code::kInvalidArgument, "no port"))
            : common::parseInteger(w.substr(sep + 3), 1, 65535);
    if (sep == std::string::npos || !validScheme(w.substr(0, sep)) || !port.isOk()) {
      return bad(words[2], "<scheme>://<port> such as http://8080");
    }
    d.scheme = w.substr(0, sep);
    d.port = static_cast<int>(port.value());
  }
  for (size_t i = 3; i < words.size(); ++i) {
    std::string w = lower(words[i]);
    if (w.rfind("slots=", 0) != 0) {
      return bad(words[i], "slots=<n>");
    }
    common::Result<int64_t> n = common::parseInteger(w.substr(6), 1, 1000);
    if (!n.isOk()) {
      return bad(words[i], "slots=<n> with n from 1 to 1000");
    }
    d.slots = static_cast<uint32_t>(n.value());
  }
  return d;
}

std::string memberUrl(const std::string& scheme, const std::string& host, int port) {
  // httpd's default ports (apr_uri_port_of_scheme, then mod_proxy's own list), which it drops
  // from a worker's name: the name must be the one httpd gives the worker.
  static const std::map<std::string, int> kDefaultPorts = {
      {"http", 80}, {"https", 443}, {"ws", 80},     {"wss", 443},  {"h2c", 80},
      {"h2", 443},  {"ajp", 8009},  {"fcgi", 8000}, {"scgi", 4000}};
  bool v6 = host.find(':') != std::string::npos;
  std::string url = scheme + "://" + (v6 ? "[" + host + "]" : host);
  auto d = kDefaultPorts.find(scheme);
  return d != kDefaultPorts.end() && d->second == port ? url : url + ":" + std::to_string(port);
}

void sortTargets(std::vector<Target>* t) {
  std::sort(t->begin(), t->end(), [](const Target& a, const Target& b) {
    if (a.lbset != b.lbset) {
      return a.lbset < b.lbset;
    }
    if (a.host != b.host) {
      return a.host < b.host;
    }
    return a.port < b.port;
  });
}

std::vector<Target> targetsFromSrv(const std::vector<Record>& srv,
                                   const std::vector<std::pair<std::string, Record>>& addresses) {
  std::set<uint16_t> priorities;
  uint32_t maxWeight = 0;
  for (const Record& r : srv) {
    if (r.type == RecordType::kSrv && r.port != 0 && !r.target.empty()) {
      priorities.insert(r.priority);
      maxWeight = std::max<uint32_t>(maxWeight, r.weight);
    }
  }
  std::vector<Target> out;
  std::set<std::pair<std::string, int>> seen;
  for (const Record& r : srv) {
    if (r.type != RecordType::kSrv || r.port == 0 || r.target.empty()) {
      continue;  // "." as the target: the service is not available there (RFC 2782)
    }
    // httpd's lbsets go to 99: priorities past the hundredth share the last one.
    uint32_t lbset = std::min<uint32_t>(
        99, static_cast<uint32_t>(std::distance(priorities.begin(), priorities.find(r.priority))));
    uint32_t lf = maxWeight == 0
                      ? 1
                      : std::max<uint32_t>(
                            1, static_cast<uint32_t>(std::lround(r.weight * 100.0 / maxWeight)));
    for (const auto& [name, a] : addresses) {
      if (lower(name) != lower(r.target) || a.address.empty()) {
        continue;
      }
      if (!seen.insert({a.address, r.port}).second) {
        continue;
      }
      out.push_back(Target{a.address, r.port, lf, lbset});
    }
  }
  sortTargets(&out);
  return out;
}

void Discovery::answered(std::vector<Target> targets, uint32_t ttlSeconds, int64_t now) {
  asking_ = false;
  if (targets.empty()) {
    failed("no records", now);  // an empty answer is held like a failure, not obeyed at once
    return;
  }
  sortTargets(&targets);
  if (targets != targets_) {
    targets_ = std::move(targets);
    changed_ = true;
  }
  answeredOnce_ = true;
  failingSince_ = 0;
  lastError_.clear();
  int64_t ttl = static_cast<int64_t>(ttlSeconds) * 1000000;
  nextAt_ = now + std::clamp(ttl, ttl_.minMicros, ttl_.maxMicros);
}

void Discovery::failed(const std::string& why, int64_t now) {
  asking_ = false;
  lastError_ = why;
  if (failingSince_ == 0) {
    failingSince_ = now;
  }
  if (!targets_.empty() && now - failingSince_ >= holdMicros_) {
    targets_.clear();
    changed_ = true;
  }
  nextAt_ = now + ttl_.minMicros;
}

void Discovery::askSoon(int64_t now) {
  if (nextAt_ > now) {
    nextAt_ = now;
  }
}

bool Discovery::takeChanged() {
  bool c = changed_;
  changed_ = false;
  return c;
}

namespace {
Action action(Action::Kind kind, const std::string& url, uint32_t loadfactor, uint32_t lbset) {
  Action a;
  a.kind = kind;
  a.url = url;
  a.loadfactor = loadfactor;
  a.lbset = lbset;
  return a;
}
}  // namespace

Plan reconcile(const std::vector<Target>& unsorted, const std::string& scheme,
               const std::vector<MemberState>& current, uint32_t slots, size_t freeGrowth) {
  std::vector<Target> targets = unsorted;  // new members take slots in the agreed order
  sortTargets(&targets);
  Plan plan;
  std::map<std::string, const MemberState*> byUrl;
  for (const MemberState& m : current) {
    byUrl[m.url] = &m;
  }
  std::set<std::string> wanted;
  std::vector<std::pair<std::string, const Target*>> missing;
  for (const Target& t : targets) {
    std::string url = memberUrl(scheme, t.host, t.port);
    if (!wanted.insert(url).second) {
      continue;
    }
    auto it = byUrl.find(url);
    if (it == byUrl.end()) {
      missing.emplace_back(url, &t);
      continue;
    }
    const MemberState& m = *it->second;
    if (m.settling) {
      continue;  // its slot was just reused: enabled once every child has let go of the old one
    }
    if (!m.enabled || m.draining) {
      plan.actions.push_back(action(Action::Kind::kEnable, url, t.loadfactor, t.lbset));
    } else if (m.loadfactor != t.loadfactor || m.lbset != t.lbset) {
      plan.actions.push_back(action(Action::Kind::kUpdate, url, t.loadfactor, t.lbset));
    }
  }
  for (const MemberState& m : current) {
    if (wanted.count(m.url) != 0) {
      continue;
    }
    if (m.enabled && !m.draining) {
      plan.actions.push_back(action(Action::Kind::kDrain, m.url, m.loadfactor, m.lbset));
    } else if (m.enabled && m.inflight == 0) {
      plan.actions.push_back(action(Action::Kind::kDisable, m.url, m.loadfactor, m.lbset));
    }
  }
  // Slots a new address may take over: members gone from DNS, disabled and idle.
  std::vector<const MemberState*> reusable;
  for (const MemberState& m : current) {
    if (wanted.count(m.url) == 0 && !m.enabled && m.inflight == 0 && !m.settling) {
      reusable.push_back(&m);
    }
  }
  size_t added = 0, reused = 0;
  for (const auto& [url, t] : missing) {
    if (current.size() + added < slots && added < freeGrowth) {
      plan.actions.push_back(action(Action::Kind::kAdd, url, t->loadfactor, t->lbset));
      ++added;
    } else if (reused < reusable.size()) {
      Action a = action(Action::Kind::kReuse, url, t->loadfactor, t->lbset);
      a.from = reusable[reused++]->url;
      a.host = t->host;
      a.port = t->port;
      plan.actions.push_back(a);
    } else {
      plan.noRoom.push_back(url);
    }
  }
  return plan;
}

}  // namespace fleet::dns
