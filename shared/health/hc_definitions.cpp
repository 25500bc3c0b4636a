#include "shared/health/hc_definitions.h"

#include "shared/common/parse.h"

namespace fleet::health {
namespace {

// hctemplate= inside a template inside a template...: deeper than this is a loop.
constexpr int kMaxTemplateDepth = 8;

}  // namespace

void HcDefinitions::addExpression(const std::string& name, const std::string& text,
                                  const void* compiled) {
  expressions_[name] = Expression{text, compiled};
}

std::string HcDefinitions::addTemplate(const std::string& name,
                                       const std::vector<std::string>& words) {
  Pairs pairs;
  CheckConfig scratch;
  for (const std::string& word : words) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      return "'" + word + "' is not key=value";
    }
    std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    std::string err = apply(&scratch, key, value, 0);
    if (!err.empty()) {
      return err;
    }
    pairs.emplace_back(std::move(key), std::move(value));
  }
  templates_[common::toLower(name)] = std::move(pairs);
  return "";
}

const HcDefinitions::Expression* HcDefinitions::findExpression(const std::string& name) const {
  auto it = expressions_.find(name);
  if (it != expressions_.end()) {
    return &it->second;
  }
  return main_ != nullptr ? main_->findExpression(name) : nullptr;
}

std::vector<std::pair<std::string, const HcDefinitions::Expression*>> HcDefinitions::expressions()
    const {
  std::vector<std::pair<std::string, const Expression*>> all;
  for (const HcDefinitions* d : {this, main_}) {
    if (d == nullptr) {
      continue;
    }
    for (const auto& [name, e] : d->expressions_) {
      all.emplace_back(name, &e);
    }
  }
  return all;
}

std::string HcDefinitions::applyParam(CheckConfig* config, const std::string& key,
                                      const std::string& value) const {
  return apply(config, key, value, 0);
}

std::string HcDefinitions::apply(CheckConfig* c, const std::string& key, const std::string& value,
                                 int depth) const {
  std::string k = common::toLower(key);
  if (k == "hctemplate") {
    const Pairs* pairs = findTemplate(common::toLower(value));
    if (pairs == nullptr) {
      return "hctemplate='" + value + "' is not a ProxyHCTemplate defined before this line";
    }
    if (depth > kMaxTemplateDepth) {
      return "hctemplate='" + value + "' nests templates too deeply";
    }
    for (const auto& [pk, pv] : *pairs) {
      std::string err = apply(c, pk, pv, depth + 1);
      if (!err.empty()) {
        return err;
      }
    }
    return "";
  }
  if (k == "hcexpr" && findExpression(value) == nullptr) {
    return "hcexpr='" + value +
           "' is not a ProxyHCExpr defined before this line; defined: " + expressionNames();
  }
  if (!isCheckParam(k)) {
    return "unknown BalancerMember parameter '" + key + "'";
  }
  return applyCheckParam(c, k, value);
}

const HcDefinitions::Pairs* HcDefinitions::findTemplate(const std::string& name) const {
  auto it = templates_.find(name);
  if (it != templates_.end()) {
    return &it->second;
  }
  return main_ != nullptr ? main_->findTemplate(name) : nullptr;
}

std::string HcDefinitions::expressionNames() const {
  std::string names;
  for (const auto& [name, e] : expressions()) {
    names += (names.empty() ? "" : ", ") + name;
  }
  return names.empty() ? "none defined" : names;
}

}  // namespace fleet::health
