// A stand-in for libFuzzer in the default (g++) build, so every fuzz target builds and runs in each
// ctest run: it runs every seed file once, then a deterministic stream of simple mutations of them
// (byte flips, inserts, deletions, truncations, splices of two seeds) from a fixed seed, until a
// run or time budget is used up. A crash leaves the input that caused it in
// fuzz-crash-<target>.bin in the working directory (written from the signal handler), to replay:
// `<binary> fuzz-crash-<target>.bin`. Real coverage-guided fuzzing is scripts/fuzz (clang).
//
//   <binary> [-seconds=S] [-runs=N] [-seed=N] [-max_len=N] <file or directory>...

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the crash handler.
const std::string* g_current = nullptr;
char g_crashPath[256] = "fuzz-crash.bin";

void onCrash(int sig) {
  if (g_current != nullptr) {
    int fd = open(g_crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t ignored = write(fd, g_current->data(), g_current->size());
      (void)ignored;
      close(fd);
    }
    const char msg[] = "standalone fuzz driver: crash; input saved to ";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    ignored = write(2, g_crashPath, std::strlen(g_crashPath));
    ignored = write(2, "\n", 1);
    (void)ignored;
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void run(const std::string& input) {
  g_current = &input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  g_current = nullptr;
}

// xorshift64*: the same stream on every machine.
struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
};

// Bytes parsers treat specially, tried more often than random ones.
const char kInteresting[] = "\r\n\t \",;=:-/%[]*\\\x00\xff\x80\xc3";

std::string mutate(const std::vector<std::string>& seeds, Rng& rng, size_t maxLen) {
  std::string s = seeds.empty() ? std::string() : seeds[rng.below(seeds.size())];
  int rounds = 1 + static_cast<int>(rng.below(4));
  for (int r = 0; r < rounds; ++r) {
    size_t at = rng.below(s.size() + 1);
    switch (rng.below(7)) {
      case 0:  // flip a bit
        if (!s.empty()) {
          s[rng.below(s.size())] ^= static_cast<char>(1u << rng.below(8));
        }
        break;
      case 1:  // insert an interesting byte
        s.insert(at, 1, kInteresting[rng.below(sizeof kInteresting - 1)]);
        break;
      case 2:  // insert a random byte
        s.insert(at, 1, static_cast<char>(rng.next()));
        break;
      case 3:  // delete a run
        s.erase(at, 1 + rng.below(8));
        break;
      case 4:  // truncate
        s.resize(at);
        break;
      case 5: {  // splice a piece of another seed in
        if (seeds.empty()) {
          break;
        }
        const std::string& other = seeds[rng.below(seeds.size())];
        size_t from = rng.below(other.size() + 1);
        s.insert(at, other.substr(from, 1 + rng.below(64)));
        break;
      }
      case 6: {  // repeat a piece
        size_t len = 1 + rng.below(16);
        std::string piece = s.substr(at, len);
        for (size_t i = rng.below(8); i > 0; --i) {
          s.insert(at, piece);
        }
        break;
      }
    }
  }
  if (s.size() > maxLen) {
    s.resize(maxLen);
  }
  return s;
}

void readSeeds(const std::filesystem::path& p, std::vector<std::string>* seeds) {
  if (std::filesystem::is_directory(p)) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(p)) {
      if (e.is_regular_file()) {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());  // the same order everywhere
    for (const auto& f : files) {
      readSeeds(f, seeds);
    }
    return;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", p.c_str());
    std::exit(2);
  }
  seeds->push_back(std::string(std::istreambuf_iterator<char>(in), {}));
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  uint64_t runs = UINT64_MAX, seed = 0x5eed;
  size_t maxLen = 4096;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("-seconds=", 0) == 0) {
      seconds = std::atof(a.c_str() + 9);
    } else if (a.rfind("-runs=", 0) == 0) {
      runs = std::strtoull(a.c_str() + 6, nullptr, 10);
    } else if (a.rfind("-seed=", 0) == 0) {
      seed = std::strtoull(a.c_str() + 6, nullptr, 10);
    } else if (a.rfind("-max_len=", 0) == 0) {
      maxLen = std::strtoull(a.c_str() + 9, nullptr, 10);
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    } else {
      readSeeds(a, &seeds);
    }
  }
  std::string name = std::filesystem::path(argv[0]).filename().string();
  std::snprintf(g_crashPath, sizeof g_crashPath, "fuzz-crash-%s.bin", name.c_str());
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    signal(sig, onCrash);
  }

  auto start = std::chrono::steady_clock::now();
  for (const std::string& s : seeds) {
    run(s);
  }
  Rng rng{seed | 1};
  uint64_t mutations = 0;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  while (mutations < runs && (mutations % 64 != 0 || elapsed() < seconds)) {
    run(mutate(seeds, rng, maxLen));
    ++mutations;
  }
  std::printf("%s: %zu seeds, %llu mutations, %.2f s, no crash\n", name.c_str(), seeds.size(),
              static_cast<unsigned long long>(mutations), elapsed());
  return 0;
}
