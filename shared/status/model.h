// What the status outputs show: balancers and their members as plain values, filled by the glue
// from httpd's structures and our shared member table, rendered here without httpd.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fleet::status {

struct MemberView {
  std::string name;
  std::string route;
  std::string flags;  // httpd's status letters, e.g. "Ok", "Dis", "Drn"
  bool usable = false;
  uint32_t weight = 0;  // lbfactor
  int64_t inflight = 0;
  uint64_t requests = 0;  // sent through mod_fleet's accounting
  uint64_t elected = 0;   // httpd's own counter
  double latencyMicros = -1;   // stored peak-EWMA estimate; negative = no sample
  bool ejected = false;        // passive outlier ejection in force
  int64_t ejectedForMicros = 0;
  uint32_t ejections = 0;      // recent ejections (each doubles the next one)
  uint64_t failures = 0;       // error answers ever
};

struct BalancerView {
  std::string name;
  std::string lbmethod;
  std::vector<MemberView> members;
};

// JSON: {"balancers":[{"name":...,"lbmethod":...,"members":[{...}]}]}
std::string renderJson(const std::vector<BalancerView>& balancers);

// A JSON string literal, quotes included, with control characters escaped.
std::string jsonString(const std::string& s);

}  // namespace fleet::status
