// The fleet-status page for people (HTML, no external assets, every value escaped) and for
// Prometheus (text exposition format 0.0.4), from the same views as the JSON.
#pragma once

#include <string>
#include <vector>

#include "shared/status/model.h"

namespace fleet::status {

std::string htmlEscape(const std::string& s);

struct PageOptions {
  std::string actionUrl;   // where the action forms post (the page itself)
  std::string nonce;       // the browser's action token (page_access.h), put in every form
  int refreshSeconds = 0;  // 0 = no auto-refresh
  bool actions = true;     // show the forms
  std::string notice;      // the result of the last action, shown once
};

// One table per balancer (also used for mod_fleet's section of server-status).
std::string renderBalancerTables(const std::vector<BalancerView>& balancers,
                                 const PageOptions& options);

std::string renderHtml(const std::vector<BalancerView>& balancers, const CheckerView* checker,
                       const CacheView* cache, const PageOptions& options);

// A label value with \, " and newline escaped.
std::string promLabel(const std::string& s);
std::string renderPrometheus(const std::vector<BalancerView>& balancers, const CheckerView* checker,
                             const CacheView* cache);

}  // namespace fleet::status
