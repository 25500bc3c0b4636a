#include "shared/dns/ares_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>

#include <cstring>
#include <mutex>

namespace fleet::dns {
namespace {

std::once_flag g_libraryOnce;
int g_libraryStatus = ARES_SUCCESS;

const char* rcodeText(int rcode) {
  switch (rcode) {
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 5:
      return "REFUSED";
    default:
      return "an error code";
  }
}

}  // namespace

struct AresResolver::Channel {
  ares_channel channel = nullptr;
  ~Channel() {
    if (channel != nullptr) {
      ares_destroy(channel);
    }
  }
};

// One query's context, freed in its callback (c-ares calls every callback exactly once, also
// with ARES_EDESTRUCTION when the channel goes away).
struct Callback {
  AresResolver* self;
  Resolver::Done done;
};

bool parseServer(const std::string& text, std::string* host, int* port) {
  std::string h = text;
  int p = 53;
  if (!h.empty() && h[0] == '[') {
    size_t close = h.find(']');
    if (close == std::string::npos) {
      return false;
    }
    std::string rest = h.substr(close + 1);
    h = h.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest[0] != ':' || rest.size() < 2 || rest.size() > 6) {
        return false;
      }
      p = 0;
      for (char c : rest.substr(1)) {
        if (c < '0' || c > '9') {
          return false;
        }
        p = p * 10 + (c - '0');
      }
    }
  } else {
    size_t colon = h.find(':');
    if (colon != std::string::npos) {
      std::string digits = h.substr(colon + 1);
      h = h.substr(0, colon);
      if (digits.empty() || digits.size() > 5) {
        return false;
      }
      p = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') {
          return false;
        }
        p = p * 10 + (c - '0');
      }
    }
  }
  unsigned char buf[16];
  bool ip = inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
  if (!ip || p < 1 || p > 65535) {
    return false;
  }
  *host = h;
  *port = p;
  return true;
}

common::Result<std::unique_ptr<AresResolver>> AresResolver::create(const ResolverConfig& config) {
  std::call_once(g_libraryOnce, [] { g_libraryStatus = ares_library_init(ARES_LIB_INIT_ALL); });
  if (g_libraryStatus != ARES_SUCCESS) {
    return common::Status(common::Code::kInternal,
                          std::string("c-ares: ") + ares_strerror(g_libraryStatus));
  }
  std::unique_ptr<AresResolver> r(new AresResolver());
  r->channel_ = std::make_unique<Channel>();
  ares_options opts{};
  opts.flags = ARES_FLAG_NOSEARCH;  // the name as configured, not tried under search domains
  opts.timeout = config.timeoutMillis;
  opts.tries = config.tries;
  int rc = ares_init_options(&r->channel_->channel, &opts,
                             ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (rc != ARES_SUCCESS) {
    return common::Status(common::Code::kInternal, std::string("c-ares: ") + ares_strerror(rc));
  }
  if (!config.servers.empty()) {
    std::string csv;
    for (const std::string& s : config.servers) {
      std::string host;
      int port = 0;
      if (!parseServer(s, &host, &port)) {
        return common::Status(common::Code::kInvalidArgument,
                              "'" + s + "' is not a DNS server address");
      }
      bool v6 = host.find(':') != std::string::npos;
      csv += (csv.empty() ? "" : ",") + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }
    rc = ares_set_servers_ports_csv(r->channel_->channel, csv.c_str());
    if (rc != ARES_SUCCESS) {
      return common::Status(common::Code::kInvalidArgument,
                            std::string("c-ares servers: ") + ares_strerror(rc));
    }
  }
  return r;
}

AresResolver::~AresResolver() {
  if (channel_ != nullptr && channel_->channel != nullptr) {
    ares_cancel(channel_->channel);  // runs the callbacks (freeing their contexts) now
  }
  ready_.clear();
}

void AresResolver::query(const std::string& name, RecordType type, Done done) {
  auto* cb = new Callback{this, std::move(done)};
  ++pending_;
  ares_query(
      channel_->channel, name.c_str(), 1 /* IN */, static_cast<int>(type),
      [](void* arg, int status, int, unsigned char* abuf, int alen) {
        auto* c = static_cast<Callback*>(arg);
        AresResolver* self = c->self;
        Answer a;
        if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
          delete c;
          --self->pending_;
          return;
        }
        Response resp = abuf != nullptr && alen > 0 ? parseResponse(abuf, static_cast<size_t>(alen))
                                                    : Response();
        if (abuf != nullptr && alen > 0 && resp.ok) {
          if (resp.rcode == 0) {
            a.outcome = Outcome::kAnswer;
            a.records = std::move(resp.records);
          } else {
            a.outcome = resp.rcode == 3 ? Outcome::kNoName : Outcome::kFailed;
            a.error = rcodeText(resp.rcode);
          }
        } else if (abuf != nullptr && alen > 0) {
          a.error = "malformed answer: " + resp.error;
        } else if (status == ARES_ENOTFOUND) {
          a.outcome = Outcome::kNoName;
          a.error = "NXDOMAIN";
        } else if (status == ARES_ENODATA) {
          a.outcome = Outcome::kAnswer;  // NOERROR without records of this type
        } else {
          a.error = ares_strerror(status);
        }
        self->ready_.emplace_back(std::move(c->done), std::move(a));
        delete c;
        --self->pending_;
      },
      cb);
}

bool AresResolver::hostsFile(const std::string& name, std::string* address) {
  for (int family : {AF_INET, AF_INET6}) {
    hostent* h = nullptr;
    if (ares_gethostbyname_file(channel_->channel, name.c_str(), family, &h) == ARES_SUCCESS &&
        h != nullptr) {
      char text[INET6_ADDRSTRLEN] = {0};
      bool ok = h->h_addr_list != nullptr && h->h_addr_list[0] != nullptr &&
                inet_ntop(h->h_addrtype, h->h_addr_list[0], text, sizeof text) != nullptr;
      ares_free_hostent(h);
      if (ok) {
        *address = text;
        return true;
      }
    }
  }
  return false;
}

void AresResolver::poll(int timeoutMillis) {
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  int bits = ares_getsock(channel_->channel, socks, ARES_GETSOCK_MAXNUM);
  pollfd fds[ARES_GETSOCK_MAXNUM];
  int n = 0;
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    short events = 0;
    if (ARES_GETSOCK_READABLE(bits, i)) {
      events |= POLLIN;
    }
    if (ARES_GETSOCK_WRITABLE(bits, i)) {
      events |= POLLOUT;
    }
    if (events != 0) {
      fds[n].fd = socks[i];
      fds[n].events = events;
      fds[n].revents = 0;
      ++n;
    }
  }
  if (n > 0) {
    timeval max{timeoutMillis / 1000, (timeoutMillis % 1000) * 1000};
    timeval tv{};
    timeval* t = ares_timeout(channel_->channel, &max, &tv);
    int wait = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000);
    int ready = ::poll(fds, static_cast<nfds_t>(n), wait);
    for (int i = 0; i < n && ready > 0; ++i) {
      ares_socket_t r =
          (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
      ares_socket_t w = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
      if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD) {
        ares_process_fd(channel_->channel, r, w);
      }
    }
    ares_process_fd(channel_->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
  }
  std::vector<std::pair<Done, Answer>> ready;
  ready.swap(ready_);
  for (auto& [done, answer] : ready) {
    done(answer);
  }
}

}  // namespace fleet::dns
