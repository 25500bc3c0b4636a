#include "shared/cache/store.h"

#include <libmemcached/memcached.h>
#include <libmemcachedutil-1.0/util.h>

#include <cstring>
#include <ctime>

#include "shared/common/parse.h"

namespace fleet::cache {

struct Store::Impl {
  memcached_st* master = nullptr;
  memcached_pool_st* pool = nullptr;
  ~Impl() {
    if (pool != nullptr) {
      memcached_pool_destroy(pool);
    }
    if (master != nullptr) {
      memcached_free(master);
    }
  }
};

namespace {

// A connection from the pool for the length of one operation.
class Handle {
 public:
  explicit Handle(memcached_pool_st* pool) : pool_(pool) {
    memcached_return_t rc;
    timespec wait{1, 0};
    mc_ = memcached_pool_fetch(pool_, &wait, &rc);
  }
  ~Handle() {
    if (mc_ != nullptr) {
      memcached_pool_release(pool_, mc_);
    }
  }
  memcached_st* get() const { return mc_; }

 private:
  memcached_pool_st* pool_;
  memcached_st* mc_ = nullptr;
};

bool transportFailure(memcached_return_t rc) {
  return rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_NOTSTORED &&
         rc != MEMCACHED_DATA_EXISTS && rc != MEMCACHED_END && rc != MEMCACHED_STORED &&
         rc != MEMCACHED_DELETED && rc != MEMCACHED_BUFFERED;
}

}  // namespace

common::Result<std::vector<std::pair<std::string, int>>> parseServers(const std::string& text) {
  std::vector<std::pair<std::string, int>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find_first_of(" \t,", pos);
    std::string item = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (item.empty()) {
      continue;
    }
    std::string host = item;
    int port = 11211;
    size_t colon = item.rfind(':');
    if (colon != std::string::npos) {
      host = item.substr(0, colon);
      common::Result<int64_t> p = common::parseInteger(item.substr(colon + 1), 1, 65535);
      if (!p.isOk() || host.empty()) {
        return common::Status(
            common::Code::kInvalidArgument,
            "'" + item + "' is not valid; accepted: host:port, e.g. 127.0.0.1:11211");
      }
      port = static_cast<int>(p.value());
    }
    out.emplace_back(host, port);
  }
  if (out.empty()) {
    return common::Status(common::Code::kInvalidArgument,
                          "no server given; accepted: host:port ...");
  }
  if (out.size() > kMaxServers) {
    return common::Status(common::Code::kInvalidArgument,
                          "at most " + std::to_string(kMaxServers) + " servers are supported");
  }
  return out;
}

Store::Store(const StoreConfig& cfg, CacheShared* shared, const common::Clock& clock, Report report)
    : cfg_(cfg),
      shared_(shared),
      clock_(clock),
      report_(std::move(report)),
      impl_(std::make_unique<Impl>()) {}

Store::~Store() = default;

common::Result<std::unique_ptr<Store>> Store::create(const StoreConfig& cfg, CacheShared* shared,
                                                     const common::Clock& clock, Report report) {
  std::unique_ptr<Store> s(new Store(cfg, shared, clock, std::move(report)));
  memcached_st* m = memcached_create(nullptr);
  if (m == nullptr) {
    return common::Status(common::Code::kUnavailable, "memcached_create failed");
  }
  s->impl_->master = m;
  for (const auto& [host, port] : cfg.servers) {
    if (memcached_server_add(m, host.c_str(), static_cast<in_port_t>(port)) != MEMCACHED_SUCCESS) {
      return common::Status(common::Code::kInvalidArgument, "cannot add memcached server " + host);
    }
  }
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                         MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
  uint64_t connectMs = static_cast<uint64_t>(std::max<int64_t>(1, cfg.connectTimeoutMicros / 1000));
  uint64_t ioMs = static_cast<uint64_t>(std::max<int64_t>(1, cfg.ioTimeoutMicros / 1000));
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, connectMs);
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, ioMs);
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RCV_TIMEOUT,
                         static_cast<uint64_t>(cfg.ioTimeoutMicros));
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SND_TIMEOUT,
                         static_cast<uint64_t>(cfg.ioTimeoutMicros));
  // mod_fleet does its own back-off (shared by every child); libmemcached must not eject servers
  // (that would remap every key) nor keep its own dead-server timer.
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 0);
  memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 0);
  s->impl_->pool = memcached_pool_create(m, 1, 64);
  if (s->impl_->pool == nullptr) {
    return common::Status(common::Code::kUnavailable, "memcached_pool_create failed");
  }
  return s;
}

std::string Store::serverName(size_t i) const {
  if (i >= cfg_.servers.size()) {
    return "";
  }
  return cfg_.servers[i].first + ":" + std::to_string(cfg_.servers[i].second);
}

namespace {

// Which configured server holds `key` (index into cfg.servers), or -1.
int serverOf(memcached_st* mc, const std::string& key, const StoreConfig& cfg) {
  memcached_return_t rc;
  const memcached_instance_st* inst = memcached_server_by_key(mc, key.data(), key.size(), &rc);
  if (inst == nullptr) {
    return -1;
  }
  const char* name = memcached_server_name(inst);
  in_port_t port = memcached_server_port(inst);
  for (size_t i = 0; i < cfg.servers.size(); ++i) {
    if (cfg.servers[i].first == name && cfg.servers[i].second == port) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

// Runs one operation on the server that holds `key` unless that server is backing off; records
// the outcome. `op` returns the libmemcached status.
template <typename Op>
static bool runOp(memcached_pool_st* pool, const StoreConfig& cfg, CacheShared* shared,
                  const common::Clock& clock, const Store::Report& report, const std::string& key,
                  Op op) {
  Handle h(pool);
  if (h.get() == nullptr) {
    return false;
  }
  int idx = serverOf(h.get(), key, cfg);
  ServerShared* srv = (idx >= 0 && shared != nullptr) ? &shared->servers[idx] : nullptr;
  int64_t now = clock.nowMicros();
  if (srv != nullptr && srv->downUntil.load(std::memory_order_relaxed) > now) {
    return false;  // backing off: a miss, at once
  }
  memcached_return_t rc = op(h.get());
  if (transportFailure(rc)) {
    // A pooled connection the server closed (it restarted) fails once: drop this handle's
    // connections and try once more on a fresh one.
    memcached_quit(h.get());
    rc = op(h.get());
  }
  int64_t after = clock.nowMicros();
  if (srv == nullptr) {
    return !transportFailure(rc);
  }
  srv->ops.fetch_add(1, std::memory_order_relaxed);
  if (transportFailure(rc)) {
    srv->errors.fetch_add(1, std::memory_order_relaxed);
    srv->downUntil.store(after + cfg.backoffMicros, std::memory_order_relaxed);
    if (srv->down.exchange(1) == 0 && report) {
      report(static_cast<size_t>(idx), true, memcached_strerror(h.get(), rc));
    }
    return false;
  }
  srv->latencyMicros.store(after - now, std::memory_order_relaxed);
  if (srv->down.load(std::memory_order_relaxed) != 0 && srv->down.exchange(0) == 1 && report) {
    report(static_cast<size_t>(idx), false, "answering again");
  }
  return true;
}

KeyValueStore::Found Store::read(const std::string& key, std::string* value) {
  bool hit = false;
  bool answered = runOp(impl_->pool, cfg_, shared_, clock_, report_, key, [&](memcached_st* mc) {
    size_t len = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char* v = memcached_get(mc, key.data(), key.size(), &len, &flags, &rc);
    if (v != nullptr) {
      value->assign(v, len);
      hit = true;
      free(v);
    }
    return rc;
  });
  if (hit) {
    return Found::kHit;
  }
  return answered ? Found::kMiss : Found::kError;
}

bool Store::set(const std::string& key, const std::string& value, int64_t ttl) {
  return runOp(impl_->pool, cfg_, shared_, clock_, report_, key, [&](memcached_st* mc) {
    return memcached_set(mc, key.data(), key.size(), value.data(), value.size(),
                         static_cast<time_t>(ttl), 0);
  });
}

bool Store::add(const std::string& key, const std::string& value, int64_t ttl) {
  bool added = false;
  runOp(impl_->pool, cfg_, shared_, clock_, report_, key, [&](memcached_st* mc) {
    memcached_return_t rc = memcached_add(mc, key.data(), key.size(), value.data(), value.size(),
                                          static_cast<time_t>(ttl), 0);
    added = rc == MEMCACHED_SUCCESS || rc == MEMCACHED_STORED;
    return rc;
  });
  return added;
}

bool Store::remove(const std::string& key) {
  return runOp(impl_->pool, cfg_, shared_, clock_, report_, key,
               [&](memcached_st* mc) { return memcached_delete(mc, key.data(), key.size(), 0); });
}

std::optional<uint64_t> Store::increment(const std::string& key, uint64_t initial) {
  std::optional<uint64_t> out;
  runOp(impl_->pool, cfg_, shared_, clock_, report_, key, [&](memcached_st* mc) {
    uint64_t v = 0;
    memcached_return_t rc =
        memcached_increment_with_initial(mc, key.data(), key.size(), 1, initial, 0, &v);
    if (rc == MEMCACHED_SUCCESS) {
      out = v;
    }
    return rc;
  });
  return out;
}

}  // namespace fleet::cache
