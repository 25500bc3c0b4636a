// One server's ProxyHCExpr and ProxyHCTemplate definitions (a virtual host also sees the main
// server's, as with mod_proxy_hcheck) and the BalancerMember hc* parameters applied through them.
// Filled while the configuration is read (one thread); read-only afterwards, from any thread.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "shared/health/check_config.h"

namespace fleet::health {

class HcDefinitions {
 public:
  // ProxyHCExpr name {expression}: the text (for balancer-manager) and the glue's compiled form.
  struct Expression {
    std::string text;
    const void* compiled = nullptr;
  };

  // `main`: the main server's definitions, for a virtual host's; nullptr for the main server's.
  explicit HcDefinitions(const HcDefinitions* main = nullptr) : main_(main) {}

  // A later definition of the same name replaces the earlier one.
  void addExpression(const std::string& name, const std::string& text, const void* compiled);
  // ProxyHCTemplate name key=value...: every pair is checked as a member would apply it. "" or
  // the error (without the directive's name); nothing is defined on an error.
  std::string addTemplate(const std::string& name, const std::vector<std::string>& words);

  // By exact name, this server's before the main server's; nullptr when neither has it.
  const Expression* findExpression(const std::string& name) const;
  // Every expression this server sees: its own, then the main server's.
  std::vector<std::pair<std::string, const Expression*>> expressions() const;

  // One BalancerMember hc* parameter: hctemplate replays the template's pairs, hcexpr must name a
  // known expression, the rest is applyCheckParam's. "" or the error for apachectl -t.
  std::string applyParam(CheckConfig* config, const std::string& key,
                         const std::string& value) const;

 private:
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  std::string apply(CheckConfig* config, const std::string& key, const std::string& value,
                    int depth) const;
  const Pairs* findTemplate(const std::string& name) const;
  std::string expressionNames() const;

  const HcDefinitions* main_;
  std::map<std::string, Expression> expressions_;
  std::map<std::string, Pairs> templates_;  // by lower-case name
};

}  // namespace fleet::health
