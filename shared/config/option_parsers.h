// The parsers the option declarations (options.h) use: switches, durations, sizes and numbers
// within their declared range, and the directives whose values are objects (lists, header
// names, status sets). Each error message says what is accepted.
#pragma once

#include "shared/config/options.h"

namespace fleet::config::parsers {

common::Result<Value> onOff(const Option& o, const std::vector<std::string>& w, const Value&,
                            Keeper&);
common::Result<Value> duration(const Option& o, const std::vector<std::string>& w, const Value&,
                               Keeper&);
common::Result<Value> seconds(const Option& o, const std::vector<std::string>& w, const Value&,
                              Keeper&);
common::Result<Value> size(const Option& o, const std::vector<std::string>& w, const Value&,
                           Keeper&);
common::Result<Value> number(const Option& o, const std::vector<std::string>& w, const Value&,
                             Keeper&);
common::Result<Value> numberOrOff(const Option& o, const std::vector<std::string>& w, const Value&,
                                  Keeper&);
common::Result<Value> tableSize(const Option& o, const std::vector<std::string>& w, const Value&,
                                Keeper&);
common::Result<Value> tlsHeader(const Option& o, const std::vector<std::string>& w, const Value&,
                                Keeper&);
common::Result<Value> trustedProxies(const Option& o, const std::vector<std::string>& w,
                                     const Value&, Keeper&);
common::Result<Value> stripHeaders(const Option& o, const std::vector<std::string>& w, const Value&,
                                   Keeper&);
common::Result<Value> keepHeaders(const Option& o, const std::vector<std::string>& w, const Value&,
                                  Keeper&);
common::Result<Value> hsts(const Option& o, const std::vector<std::string>& w, const Value&,
                           Keeper&);
common::Result<Value> redirect(const Option& o, const std::vector<std::string>& w, const Value&,
                               Keeper&);
common::Result<Value> pathPrefixes(const Option& o, const std::vector<std::string>& w, const Value&,
                                   Keeper&);
common::Result<Value> statuses(const Option& o, const std::vector<std::string>& w, const Value&,
                               Keeper&);
common::Result<Value> headerNameOrOff(const Option& o, const std::vector<std::string>& w,
                                      const Value&, Keeper&);
common::Result<Value> cacheServers(const Option& o, const std::vector<std::string>& w, const Value&,
                                   Keeper&);

common::Result<Value> retry(const Option& o, const std::vector<std::string>& w, const Value&,
                            Keeper&);
common::Result<Value> retryBudget(const Option& o, const std::vector<std::string>& w, const Value&,
                                  Keeper&);
common::Result<Value> queue(const Option& o, const std::vector<std::string>& w, const Value&,
                            Keeper&);
common::Result<Value> latencyOutlier(const Option& o, const std::vector<std::string>& w,
                                     const Value&, Keeper&);

common::Result<Value> discover(const Option& o, const std::vector<std::string>& w, const Value&,
                               Keeper&);
common::Result<Value> resolvers(const Option& o, const std::vector<std::string>& w, const Value&,
                                Keeper&);
common::Result<Value> resolverTtl(const Option& o, const std::vector<std::string>& w, const Value&,
                                  Keeper&);

// The default objects.
const void* defaultTlsHeaders();
const void* defaultStatuses();
const void* defaultTargetedField();
const void* defaultBudget();
const void* defaultResolverTtl();

}  // namespace fleet::config::parsers
