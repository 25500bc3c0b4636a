// A member's active-check settings from its BalancerMember hc* parameters: mod_proxy_hcheck's
// (hcmethod, hcuri, hcinterval, hcpasses, hcfails, hcexpr; hctemplate is resolved by the glue)
// with the same meaning and limits, plus mod_fleet's own: hctimeout, hcjitter, hcfastinterval,
// hcexpect, hchost, hcsni, hcverify, hcca, hcreuse. Each bad value gets a message naming the
// parameter, the value and what is accepted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/health/http_probe.h"

namespace fleet::health {

struct CheckConfig {
  ProbeSpec spec;                     // hcmethod (default NONE: not checked), hcuri, hchost
  int64_t intervalMicros = 30000000;  // hcinterval (a bare number is seconds; >= 100ms)
  uint32_t passes = 1;                // hcpasses
  uint32_t fails = 1;                 // hcfails
  std::string exprName;               // hcexpr: a ProxyHCExpr name (<= 15 characters)
  int64_t timeoutMicros = 5000000;    // hctimeout: the whole check (default 5s)
  uint32_t jitterPercent = 0;         // hcjitter: 0..50
  int64_t fastIntervalMicros = 0;     // hcfastinterval: while passing/failing counts run
  StatusList expect = StatusList::defaults();  // hcexpect (default 200-399)
  std::string sni;                             // hcsni: TLS name (default the member's host)
  bool verify = true;                          // hcverify on|off (https members)
  std::string caFile;                          // hcca: CA file (default the system store)
  bool reuse = false;                          // hcreuse on|off: keep plain HTTP check connections
};

// True for every parameter name this file knows (case-insensitive), hctemplate included.
bool isCheckParam(std::string_view key);

// Applies one parameter; "" on success, else the error for apachectl -t.
std::string applyCheckParam(CheckConfig* config, std::string_view key, std::string_view value);

}  // namespace fleet::health
