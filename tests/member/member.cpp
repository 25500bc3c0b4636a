// A small HTTP/1.1 member server for integration tests and benchmarks: one thread, epoll,
// keep-alive, answers every request after an optional delay without blocking other requests.
//
//   fleet_member --port 18001 --id m1 [--delay-ms 20] [--body-bytes 64] [--header "K: v"]
//                [--bind 127.0.0.2]   (default 127.0.0.1: members on 127.0.0.x stand in for hosts)
//
// Every answer carries "X-Member: <id>". Control paths (never delayed, never failed):
//   /__delay?ms=N     delay every later answer by N ms
//   /__fail?status=N  answer every later request with status N (0 = stop failing)
//   /__stats          the number of non-control requests answered
//   /__peak           the most delayed answers pending at once (requests in progress)
//   /__reset          count := 0, delay := start value, fail := 0
// /__echo answers with the request head it received (for header tests).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <string>
#include <vector>

namespace {

struct Options {
  int port = 0;
  std::string id = "member";
  long delay_ms = 0;
  size_t body_bytes = 64;
  std::string header;  // one extra response header, e.g. "Cache-Control: max-age=600"
  std::string bind = "127.0.0.1";
};

struct Conn {
  std::string in;
  std::string out;
  bool close_after = false;
  int pending = 0;  // delayed answers not yet queued
};

struct Delayed {
  int64_t due_ms;
  int fd;
  uint64_t generation;
  std::string response;
  bool close_after;
  bool operator>(const Delayed& o) const { return due_ms > o.due_ms; }
};

Options g_opt;
long g_delay_ms = 0;
int g_fail_status = 0;
uint64_t g_served = 0;
size_t g_peak = 0;
std::map<int, Conn> g_conns;
std::map<int, uint64_t> g_generation;  // fd reuse guard for delayed answers
uint64_t g_next_generation = 1;
std::priority_queue<Delayed, std::vector<Delayed>, std::greater<Delayed>> g_timers;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string response(int status, const std::string& body, bool close_after,
                     const char* ctype = "text/plain") {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  r += "X-Member: " + g_opt.id + "\r\nContent-Type: " + ctype + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (!g_opt.header.empty()) {
    r += g_opt.header + "\r\n";
  }
  if (close_after) {
    r += "Connection: close\r\n";
  }
  return r + "\r\n" + body;
}

long queryNumber(const std::string& target, const char* key) {
  size_t q = target.find(std::string(key) + "=");
  return q == std::string::npos ? 0 : std::atol(target.c_str() + q + std::strlen(key) + 1);
}

void flush(int fd) {
  Conn& c = g_conns[fd];
  while (!c.out.empty()) {
    ssize_t n = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return;  // EAGAIN: EPOLLOUT will call again; errors surface on the next read
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
}

void closeConn(int epfd, int fd) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  g_conns.erase(fd);
  g_generation.erase(fd);
}

// Handles every complete request in the buffer; returns false when the connection should close.
bool handleInput(int fd) {
  Conn& c = g_conns[fd];
  for (;;) {
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) {
      return c.in.size() < 65536;
    }
    std::string head = c.in.substr(0, end + 4);
    std::string lower = head;
    for (char& ch : lower) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    size_t body_len = 0;
    size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      body_len = static_cast<size_t>(std::atol(lower.c_str() + cl + 17));
    }
    if (c.in.size() < end + 4 + body_len) {
      return true;
    }
    c.in.erase(0, end + 4 + body_len);
    size_t sp1 = head.find(' ');
    size_t sp2 = head.find(' ', sp1 + 1);
    std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    bool http10 = head.compare(sp2 + 1, 8, "HTTP/1.0") == 0;
    bool close_after = lower.find("\r\nconnection: close") != std::string::npos ||
                       (http10 && lower.find("\r\nconnection: keep-alive") == std::string::npos);
    if (target.rfind("/__delay", 0) == 0) {
      g_delay_ms = queryNumber(target, "ms");
      c.out += response(200, "delay " + std::to_string(g_delay_ms) + "\n", close_after);
    } else if (target.rfind("/__fail", 0) == 0) {
      g_fail_status = static_cast<int>(queryNumber(target, "status"));
      c.out += response(200, "fail " + std::to_string(g_fail_status) + "\n", close_after);
    } else if (target.rfind("/__stats", 0) == 0) {
      c.out += response(200, std::to_string(g_served) + "\n", close_after);
    } else if (target.rfind("/__peak", 0) == 0) {
      c.out += response(200, std::to_string(g_peak) + "\n", close_after);
    } else if (target.rfind("/__reset", 0) == 0) {
      g_served = 0;
      g_peak = 0;
      g_delay_ms = g_opt.delay_ms;
      g_fail_status = 0;
      c.out += response(200, "reset\n", close_after);
    } else {
      ++g_served;
      std::string r;
      if (g_fail_status != 0) {
        r = response(g_fail_status, "failing on purpose\n", close_after);
      } else if (target.rfind("/__echo", 0) == 0) {
        r = response(200, head, close_after);
      } else {
        std::string body = "member " + g_opt.id + "\n";
        if (body.size() < g_opt.body_bytes) {
          body.append(g_opt.body_bytes - body.size() - 1, 'x');
          body += "\n";
        }
        r = response(200, body, close_after);
      }
      if (g_delay_ms > 0) {
        c.pending++;
        g_timers.push({nowMs() + g_delay_ms, fd, g_generation[fd], std::move(r), close_after});
        g_peak = std::max(g_peak, g_timers.size());
        if (close_after) {
          return true;
        }
        continue;
      }
      c.out += r;
    }
    flush(fd);
    if (close_after) {
      return false;
    }
  }
}

int listenOn(int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, g_opt.bind.c_str(), &a.sin_addr) != 1) {
    std::fprintf(stderr, "--bind %s is not an IPv4 address\n", g_opt.bind.c_str());
    std::exit(2);
  }
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(s, 1024) != 0) {
    std::perror("bind/listen");
    std::exit(2);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port") {
      g_opt.port = std::atoi(argv[i + 1]);
    } else if (k == "--id") {
      g_opt.id = argv[i + 1];
    } else if (k == "--delay-ms") {
      g_opt.delay_ms = std::atol(argv[i + 1]);
    } else if (k == "--body-bytes") {
      g_opt.body_bytes = static_cast<size_t>(std::atol(argv[i + 1]));
    } else if (k == "--header") {
      g_opt.header = argv[i + 1];
    } else if (k == "--bind") {
      g_opt.bind = argv[i + 1];
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (g_opt.port <= 0) {
    std::fprintf(stderr,
                 "usage: fleet_member --port N [--id NAME] [--delay-ms N] [--body-bytes N] "
                 "[--header \"K: v\"]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  g_delay_ms = g_opt.delay_ms;
  int lfd = listenOn(g_opt.port);
  int epfd = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
  std::vector<epoll_event> events(256);
  for (;;) {
    int timeout = -1;
    if (!g_timers.empty()) {
      timeout = static_cast<int>(std::max<int64_t>(0, g_timers.top().due_ms - nowMs()));
    }
    int n = epoll_wait(epfd, events.data(), static_cast<int>(events.size()), timeout);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK);
          if (cfd < 0) {
            break;
          }
          int one = 1;
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLET;
          cev.data.fd = cfd;
          epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &cev);
          g_conns[cfd] = Conn();
          g_generation[cfd] = g_next_generation++;
        }
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        flush(fd);
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        bool open = true;
        char buf[16384];
        for (;;) {
          ssize_t r = recv(fd, buf, sizeof buf, 0);
          if (r > 0) {
            g_conns[fd].in.append(buf, static_cast<size_t>(r));
            continue;
          }
          if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            open = false;
          }
          break;
        }
        if (open) {
          open = handleInput(fd);
        }
        if (!open && g_conns.count(fd) && g_conns[fd].pending == 0) {
          closeConn(epfd, fd);
        } else if (!open) {
          g_conns[fd].close_after = true;
        }
      }
    }
    int64_t now = nowMs();
    while (!g_timers.empty() && g_timers.top().due_ms <= now) {
      Delayed d = g_timers.top();
      g_timers.pop();
      auto it = g_generation.find(d.fd);
      if (it == g_generation.end() || it->second != d.generation) {
        continue;  // connection gone
      }
      Conn& c = g_conns[d.fd];
      c.pending--;
      c.out += d.response;
      flush(d.fd);
      if ((d.close_after || c.close_after) && c.pending == 0) {
        closeConn(epfd, d.fd);
      } else if (c.pending == 0 && !c.in.empty()) {
        if (!handleInput(d.fd) && g_conns[d.fd].pending == 0) {
          closeConn(epfd, d.fd);
        }
      }
    }
  }
}
