#include "shared/config/option_parsers.h"

#include "shared/cache/policy.h"
#include "shared/cache/store.h"
#include "shared/common/parse.h"
#include "shared/dns/ares_resolver.h"
#include "shared/dns/discovery.h"
#include "shared/lb/maglev.h"
#include "shared/offload/forward_plan.h"
#include "shared/offload/forwarded.h"
#include "shared/offload/https_policy.h"
#include "shared/offload/tls_facts.h"
#include "shared/resilience/retry_policy.h"
#include "shared/resilience/settings.h"

namespace fleet::config::parsers {
namespace {

common::Status invalid(const std::string& word, const std::string& accepted) {
  return common::Status(common::Code::kInvalidArgument,
                        "'" + word + "' is not valid; accepted: " + accepted);
}

common::Status plain(const std::string& message) {
  return common::Status(common::Code::kInvalidArgument, message);
}

Value numberValue(int64_t n) {
  Value v;
  v.number = n;
  return v;
}

template <typename T>
Value objectValue(Keeper& keeper, std::shared_ptr<T> object, int64_t number = 1) {
  Value v;
  v.number = number;
  v.object = keeper.keep(std::shared_ptr<const void>(std::move(object)));
  return v;
}

// The section's object so far (a list directive adds to it), or a fresh one.
template <typename T>
std::shared_ptr<T> copyOf(const Value& current, T fresh = T()) {
  return std::make_shared<T>(current.object != nullptr ? *static_cast<const T*>(current.object)
                                                       : fresh);
}

}  // namespace

common::Result<Value> onOff(const Option&, const std::vector<std::string>& w, const Value&,
                            Keeper&) {
  common::Result<bool> on = common::parseSwitch(w[0]);
  if (!on.isOk()) {
    return invalid(w[0], "On or Off");
  }
  return numberValue(on.value() ? 1 : 0);
}

common::Result<Value> duration(const Option& o, const std::vector<std::string>& w, const Value&,
                               Keeper&) {
  common::Result<int64_t> v = common::parseDurationMicros(w[0]);
  if (!v.isOk()) {
    return plain(v.status().message());
  }
  if (o.max > 0 && (v.value() < o.min || v.value() > o.max)) {
    return invalid(
        w[0], common::formatDurationMicros(o.min) + " to " + common::formatDurationMicros(o.max));
  }
  if (v.value() < o.min) {
    return plain("'" + w[0] + "' is too short; accepted: " + common::formatDurationMicros(o.min) +
                 " or more");
  }
  return numberValue(v.value());
}

common::Result<Value> seconds(const Option& o, const std::vector<std::string>& w, const Value& c,
                              Keeper& k) {
  common::Result<Value> v = duration(o, w, c, k);
  if (!v.isOk()) {
    return v;
  }
  return numberValue(v.value().number / 1000000);
}

common::Result<Value> size(const Option& o, const std::vector<std::string>& w, const Value&,
                           Keeper&) {
  common::Result<uint64_t> v = common::parseSizeBytes(w[0]);
  if (!v.isOk() || static_cast<int64_t>(v.value()) < o.min) {
    return invalid(w[0],
                   o.min > 0 ? "a size such as 512k, 10M or 1G" : "a size such as 16M, or 0 (off)");
  }
  return numberValue(static_cast<int64_t>(v.value()));
}

common::Result<Value> number(const Option& o, const std::vector<std::string>& w, const Value&,
                             Keeper&) {
  common::Result<int64_t> v = common::parseInteger(w[0], o.min, o.max);
  if (!v.isOk()) {
    return invalid(w[0],
                   "a whole number from " + std::to_string(o.min) + " to " + std::to_string(o.max));
  }
  return numberValue(v.value());
}

common::Result<Value> numberOrOff(const Option& o, const std::vector<std::string>& w, const Value&,
                                  Keeper&) {
  common::Result<int64_t> v = common::parseInteger(w[0], 0, o.max);
  if (!v.isOk() || (v.value() != 0 && v.value() < o.min)) {
    return invalid(w[0], "0 (off) or a whole number from " + std::to_string(o.min) + " to " +
                             std::to_string(o.max));
  }
  return numberValue(v.value());
}

common::Result<Value> tableSize(const Option&, const std::vector<std::string>& w, const Value&,
                                Keeper&) {
  common::Result<uint32_t> v = lb::parseTableSize(w[0].c_str());
  if (!v.isOk()) {
    return plain(v.status().message());
  }
  return numberValue(v.value());
}

common::Result<Value> tlsHeader(const Option&, const std::vector<std::string>& w,
                                const Value& current, Keeper& k) {
  auto names = copyOf(current, offload::HeaderNames::defaults());
  common::Status st = names->set(w[0], w[1]);
  if (!st.isOk()) {
    return plain(st.message());
  }
  return objectValue(k, std::move(names));
}

common::Result<Value> trustedProxies(const Option&, const std::vector<std::string>& w,
                                     const Value& current, Keeper& k) {
  auto list = copyOf<offload::TrustedProxies>(current);
  for (const std::string& word : w) {
    common::Result<offload::Cidr> c = offload::Cidr::parse(word);
    if (!c.isOk()) {
      return plain(c.status().message());
    }
    list->add(c.value());
  }
  return objectValue(k, std::move(list));
}

common::Result<Value> stripHeaders(const Option&, const std::vector<std::string>& w,
                                   const Value& current, Keeper& k) {
  auto rules = copyOf<offload::StripRules>(current);
  for (const std::string& word : w) {
    common::Status st = rules->add(word);
    if (!st.isOk()) {
      return plain(st.message());
    }
  }
  return objectValue(k, std::move(rules));
}

common::Result<Value> keepHeaders(const Option&, const std::vector<std::string>& w,
                                  const Value& current, Keeper& k) {
  auto rules = copyOf<offload::StripRules>(current);
  for (const std::string& word : w) {
    common::Status st = rules->keep(word);
    if (!st.isOk()) {
      return plain(st.message());
    }
  }
  return objectValue(k, std::move(rules));
}

common::Result<Value> hsts(const Option& o, const std::vector<std::string>& w, const Value&,
                           Keeper& k) {
  if (w.size() == 1 && common::toLower(w[0]) == "off") {
    return numberValue(0);
  }
  common::Result<std::string> v = offload::parseHsts(w);
  if (!v.isOk()) {
    std::string line = o.name;
    for (const std::string& word : w) {
      line += " " + word;
    }
    return plain(line + ": " + v.status().message());  // "FleetHSTS includeSubDomains: max-age ..."
  }
  return objectValue(k, std::make_shared<std::string>(v.value()));
}

common::Result<Value> redirect(const Option&, const std::vector<std::string>& w, const Value&,
                               Keeper&) {
  common::Result<bool> on = common::parseSwitch(w[0]);
  if (!on.isOk()) {
    return invalid(w[0], "on [code] or off");
  }
  if (w.size() == 1) {
    return numberValue(on.value() ? 308 : 0);
  }
  if (!on.value()) {
    return plain("off takes no status code");
  }
  common::Result<int> code = offload::parseRedirectCode(w[1]);
  if (!code.isOk()) {
    return plain(code.status().message());
  }
  return numberValue(code.value());
}

common::Result<Value> pathPrefixes(const Option&, const std::vector<std::string>& w,
                                   const Value& current, Keeper& k) {
  auto list = copyOf<std::vector<std::string>>(current);
  for (const std::string& word : w) {
    if (word.empty() || word[0] != '/') {
      return invalid(word, "a path prefix starting with /");
    }
    list->push_back(word);
  }
  return objectValue(k, std::move(list));
}

common::Result<Value> statuses(const Option&, const std::vector<std::string>& w, const Value&,
                               Keeper& k) {
  common::Result<cache::StatusSet> set = cache::StatusSet::parse(w);
  if (!set.isOk()) {
    return plain(set.status().message());
  }
  return objectValue(k, std::make_shared<cache::StatusSet>(set.value()));
}

common::Result<Value> headerNameOrOff(const Option&, const std::vector<std::string>& w,
                                      const Value&, Keeper& k) {
  std::string v = common::toLower(w[0]);
  if (v == "off" || v == "none") {
    return objectValue(k, std::make_shared<std::string>());
  }
  bool ok = !w[0].empty() && w[0].size() <= 64;
  for (char c : w[0]) {
    ok = ok &&
         ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return invalid(w[0], "a header name (letters, digits, '-', at most 64) or off");
  }
  return objectValue(k, std::make_shared<std::string>(w[0]));
}

common::Result<Value> cacheServers(const Option&, const std::vector<std::string>& w, const Value&,
                                   Keeper& k) {
  std::string text;
  for (const std::string& word : w) {
    text += (text.empty() ? "" : " ") + word;
  }
  common::Result<std::vector<std::pair<std::string, int>>> s = cache::parseServers(text);
  if (!s.isOk()) {
    return plain(s.status().message());
  }
  return objectValue(k, std::make_shared<std::vector<std::pair<std::string, int>>>(s.value()));
}

common::Result<Value> retry(const Option&, const std::vector<std::string>& w, const Value&,
                            Keeper& k) {
  common::Result<resilience::RetryPolicy> p = resilience::parseRetry(w);
  if (!p.isOk()) {
    return plain(p.status().message());
  }
  if (!p.value().enabled()) {
    return Value();  // 0: off, as if unset
  }
  return objectValue(k, std::make_shared<resilience::RetryPolicy>(p.value()));
}

common::Result<Value> retryBudget(const Option&, const std::vector<std::string>& w, const Value&,
                                  Keeper& k) {
  common::Result<resilience::BudgetConfig> b = resilience::parseBudget(w);
  if (!b.isOk()) {
    return plain(b.status().message());
  }
  return objectValue(k, std::make_shared<resilience::BudgetConfig>(b.value()));
}

common::Result<Value> queue(const Option&, const std::vector<std::string>& w, const Value&,
                            Keeper& k) {
  common::Result<resilience::QueueConfig> q = resilience::parseQueue(w);
  if (!q.isOk()) {
    return plain(q.status().message());
  }
  if (q.value().length == 0) {
    return Value();
  }
  return objectValue(k, std::make_shared<resilience::QueueConfig>(q.value()));
}

common::Result<Value> latencyOutlier(const Option&, const std::vector<std::string>& w, const Value&,
                                     Keeper& k) {
  common::Result<lb::LatencyOutlier> o = resilience::parseLatencyOutlier(w);
  if (!o.isOk()) {
    return plain(o.status().message());
  }
  if (o.value().factor <= 0) {
    return Value();
  }
  return objectValue(k, std::make_shared<lb::LatencyOutlier>(o.value()));
}

common::Result<Value> discover(const Option&, const std::vector<std::string>& w,
                               const Value& current, Keeper& k) {
  common::Result<dns::DiscoverSpec> d = dns::parseDiscover(w);
  if (!d.isOk()) {
    return plain(d.status().message());
  }
  auto list = copyOf<std::vector<dns::DiscoverSpec>>(current);
  list->push_back(d.value());
  return objectValue(k, std::move(list));
}

common::Result<Value> resolvers(const Option&, const std::vector<std::string>& w, const Value&,
                                Keeper& k) {
  auto list = std::make_shared<std::vector<std::string>>();
  for (const std::string& word : w) {
    std::string host;
    int port = 0;
    if (!dns::parseServer(word, &host, &port)) {
      return invalid(word, "a DNS server address: ip, ip:port or [ipv6]:port");
    }
    list->push_back(word);
  }
  return objectValue(k, std::move(list));
}

common::Result<Value> resolverTtl(const Option&, const std::vector<std::string>& w, const Value&,
                                  Keeper& k) {
  common::Result<int64_t> lo = common::parseDurationMicros(w[0]);
  if (!lo.isOk() || lo.value() < 100000) {
    return invalid(w[0], "a minimum of 100ms or more, such as 1s");
  }
  common::Result<int64_t> hi = common::parseDurationMicros(w[1]);
  if (!hi.isOk() || hi.value() < lo.value() || hi.value() > 86400LL * 1000000) {
    return invalid(w[1], "a maximum from the minimum to 1d, such as 5m");
  }
  return objectValue(k, std::make_shared<dns::TtlBounds>(dns::TtlBounds{lo.value(), hi.value()}));
}

const void* defaultResolverTtl() {
  static const dns::TtlBounds kDefaults;
  return &kDefaults;
}

const void* defaultBudget() {
  static const resilience::BudgetConfig kDefaults;
  return &kDefaults;
}

const void* defaultTlsHeaders() {
  static const offload::HeaderNames kDefaults = offload::HeaderNames::defaults();
  return &kDefaults;
}

const void* defaultStatuses() {
  static const cache::StatusSet kDefaults = cache::StatusSet::defaults();
  return &kDefaults;
}

const void* defaultTargetedField() {
  static const std::string kDefault = "Fleet-Cache-Control";
  return &kDefault;
}

}  // namespace fleet::config::parsers
