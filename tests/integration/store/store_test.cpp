// cache::Store (libmemcached) against a real memcached started and stopped by this test: every
// operation, a server that dies (a miss at once, backed off, reported once) and comes back.
#include "shared/cache/store.h"

#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace fleet::cache;
using fleet::common::ManualClock;

namespace {

int freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool canConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// A real memcached on a loopback port, stopped by PID.
struct Memcached {
  int port;
  pid_t pid = -1;
  explicit Memcached(int p) : port(p) { start(); }
  void start() {
    pid = fork();
    if (pid == 0) {
      std::string ps = std::to_string(port);
      const char* user = getuid() == 0 ? "-u" : nullptr;
      if (user) {
        execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", ps.c_str(), "-U", "0", "-m", "16",
               "-u", "nobody", nullptr);
      } else {
        execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", ps.c_str(), "-U", "0", "-m", "16",
               nullptr);
      }
      _exit(127);
    }
    for (int i = 0; i < 500 && !canConnect(port); ++i) {
      usleep(10000);  // waiting for it to listen
    }
  }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
  ~Memcached() { stop(); }
};

}  // namespace

class StoreTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StoreTest);
  CPPUNIT_TEST(operationsAgainstRealMemcached);
  CPPUNIT_TEST(aDeadServerIsAMissBacksOffAndComesBack);
  CPPUNIT_TEST_SUITE_END();

  std::unique_ptr<CacheShared> shared() {
    auto s = std::make_unique<CacheShared>();
    std::memset(static_cast<void*>(s.get()), 0, sizeof(CacheShared));
    return s;
  }

 public:
  void operationsAgainstRealMemcached() {
    Memcached mc(freePort());
    ManualClock clock(1);
    auto sh = shared();
    StoreConfig cfg;
    cfg.servers = {{"127.0.0.1", mc.port}};
    auto created = Store::create(cfg, sh.get(), clock, nullptr);
    auto store = std::move(created.value());
    CPPUNIT_ASSERT(!store->get("k1").has_value());
    std::string v;
    CPPUNIT_ASSERT(store->read("k1", &v) == KeyValueStore::Found::kMiss);  // answered: missing
    CPPUNIT_ASSERT(store->set("k1", std::string("v\0x", 3), 60));
    CPPUNIT_ASSERT_EQUAL(std::string("v\0x", 3), *store->get("k1"));
    CPPUNIT_ASSERT(!store->add("k1", "other", 60));  // a lease already held
    CPPUNIT_ASSERT(store->add("k2", "mine", 60));
    CPPUNIT_ASSERT(store->remove("k1"));
    CPPUNIT_ASSERT(!store->get("k1").has_value());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), *store->increment("tag:a"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), *store->increment("tag:a"));
    std::string big(600 * 1024, 'z');
    CPPUNIT_ASSERT(store->set("big", big, 60));
    CPPUNIT_ASSERT_EQUAL(big.size(), store->get("big")->size());
    CPPUNIT_ASSERT(sh->servers[0].ops.load() > 0);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), sh->servers[0].errors.load());
  }
  void aDeadServerIsAMissBacksOffAndComesBack() {
    Memcached mc(freePort());
    ManualClock clock(1000000);
    auto sh = shared();
    std::vector<std::pair<size_t, bool>> reports;
    StoreConfig cfg;
    cfg.servers = {{"127.0.0.1", mc.port}};
    cfg.backoffMicros = 5000000;
    auto created = Store::create(
        cfg, sh.get(), clock,
        [&](size_t i, bool down, const std::string&) { reports.emplace_back(i, down); });
    auto store = std::move(created.value());
    CPPUNIT_ASSERT(store->set("k", "v", 60));
    mc.stop();
    CPPUNIT_ASSERT(!store->get("k").has_value());  // a miss, not an error to the caller
    std::string v;
    CPPUNIT_ASSERT(store->read("k", &v) ==
                   KeyValueStore::Found::kError);  // but read tells it failed
    CPPUNIT_ASSERT_EQUAL(size_t(1), reports.size());
    CPPUNIT_ASSERT(reports[0].second);
    uint64_t ops = sh->servers[0].ops.load();
    CPPUNIT_ASSERT(!store->set("k", "v", 60));  // backing off: not even tried
    CPPUNIT_ASSERT_EQUAL(ops, sh->servers[0].ops.load());
    CPPUNIT_ASSERT_EQUAL(size_t(1), reports.size());  // reported once
    mc.start();
    clock.advanceMicros(5000001);
    CPPUNIT_ASSERT(store->set("k", "v2", 60));
    CPPUNIT_ASSERT_EQUAL(std::string("v2"), *store->get("k"));
    CPPUNIT_ASSERT_EQUAL(size_t(2), reports.size());
    CPPUNIT_ASSERT(!reports[1].second);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(StoreTest, "store");
