#include "shared/lb/maglev.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace fleet::lb {
namespace {

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

bool isPrime(uint64_t n) {
  if (n < 2) {
    return false;
  }
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) {
      return false;
    }
  }
  return true;
}

common::Result<uint32_t> parseTableSize(const char* text) {
  char* end = nullptr;
  unsigned long v = std::strtoul(text, &end, 10);
  if (end == text || *end != '\0' || text[0] == '-' || v < 101 || v > 1000003 || !isPrime(v)) {
    return common::Status(common::Code::kInvalidArgument,
                          std::string("'") + text +
                              "' is not valid; accepted: a prime number from 101 to 1000003 "
                              "(e.g. 65537), at least 100 x the number of members");
  }
  return static_cast<uint32_t>(v);
}

uint64_t hashKey(const char* data, size_t len) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ULL;
  }
  return mix(h);
}

MaglevTable MaglevTable::build(std::vector<std::pair<uint64_t, uint32_t>> members, uint32_t size) {
  MaglevTable t;
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                members.end());
  size_t n = members.size();
  t.entries_.assign(size, 0);
  for (const auto& m : members) {
    t.ids_.push_back(m.first);
  }
  if (n == 0 || size == 0) {
    t.entries_.assign(1, 0);
    t.ids_.assign(1, 0);
    return t;
  }
  uint32_t maxWeight = 1;
  for (const auto& m : members) {
    maxWeight = std::max(maxWeight, std::max<uint32_t>(m.second, 1));
  }
  std::vector<uint64_t> offset(n), skip(n), next(n, 0);
  std::vector<double> credit(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    offset[i] = mix(members[i].first ^ 0x6a09e667f3bcc909ULL) % size;
    skip[i] = mix(members[i].first ^ 0xbb67ae8584caa73bULL) % (size - 1) + 1;
  }
  std::vector<bool> taken(size, false);
  uint32_t filled = 0;
  while (filled < size) {
    for (size_t i = 0; i < n && filled < size; ++i) {
      // Weighted rounds: each member places entries in proportion to its weight.
      credit[i] += static_cast<double>(std::max<uint32_t>(members[i].second, 1)) / maxWeight;
      while (credit[i] >= 1.0 && filled < size) {
        credit[i] -= 1.0;
        uint64_t c = (offset[i] + next[i] * skip[i]) % size;
        while (taken[c]) {
          ++next[i];
          c = (offset[i] + next[i] * skip[i]) % size;
        }
        taken[c] = true;
        t.entries_[c] = static_cast<uint32_t>(i);
        ++next[i];
        ++filled;
      }
    }
  }
  return t;
}

MaglevTable MaglevTable::buildFor(const Candidate* candidates, const uint32_t* weights, size_t n,
                                  uint32_t size) {
  std::vector<std::pair<uint64_t, uint32_t>> members;
  members.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    members.emplace_back(candidates[i].id, weights[i]);
  }
  return build(std::move(members), size);
}

uint64_t MaglevTable::signature(const Candidate* candidates, const uint32_t* weights, size_t n,
                                uint32_t size) {
  uint64_t sig = mix(size);
  for (size_t i = 0; i < n; ++i) {
    sig += mix(candidates[i].id ^ (static_cast<uint64_t>(weights[i]) << 1));  // a sum: order-free
  }
  return sig;
}

Decision Maglev::pick(const Candidate* candidates, size_t n, PickContext& ctx) const {
  Decision d;
  if (n <= 1 || ctx.table == nullptr) {
    return d;
  }
  auto indexOf = [&](uint64_t id) -> size_t {
    for (size_t i = 0; i < n; ++i) {
      if (candidates[i].id == id) {
        return i;
      }
    }
    return n;
  };
  size_t pos = ctx.table->position(ctx.keyHash);
  size_t first = indexOf(ctx.table->at(pos));
  if (first == n) {
    first = 0;  // the table does not match the candidates: the caller rebuilds it
  }
  d.index = first;
  if (ctx.balanceFactor == 0) {
    return d;
  }
  int64_t total = 1;  // this request
  uint64_t weights = 0;
  for (size_t i = 0; i < n; ++i) {
    total += candidates[i].inflight > 0 ? candidates[i].inflight : 0;
    weights += candidates[i].weight == 0 ? 1 : candidates[i].weight;
  }
  auto fits = [&](size_t i) {
    // inflight + 1 <= factor% x (weighted share of all requests in flight, this one included)
    double share = static_cast<double>(total) *
                   (candidates[i].weight == 0 ? 1 : candidates[i].weight) /
                   static_cast<double>(weights);
    double bound = share * ctx.balanceFactor / 100.0;
    return static_cast<double>((candidates[i].inflight > 0 ? candidates[i].inflight : 0) + 1) <=
           std::max(1.0, bound + 0.999999);
  };
  size_t limit = ctx.table->size();
  for (size_t step = 0; step < limit; ++step) {
    size_t i = indexOf(ctx.table->at(pos + step));
    if (i < n && fits(i)) {
      d.index = i;
      d.walked = step;
      return d;
    }
  }
  return d;  // every member at its bound: stay with the key's own member
}

}  // namespace fleet::lb
