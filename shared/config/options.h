// Every mod_fleet directive, declared once: its name, where it may appear, its default as the
// README shows it, how its words are parsed (with the range it accepts) and its help line. The
// httpd command table, the merge of sections, the defaults and the README's directive table (a
// test compares them) all come from these declarations; adding a directive is one entry here plus
// its use. Read-only after static initialization: any thread may read it.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/status.h"

namespace fleet::config {

enum class Id : uint8_t {
  kDecisionHeader,
  kDecisionNote,
  kEwmaDecay,
  kEwmaPenalty,
  kHashKey,
  kHashTableSize,
  kHashBalanceFactor,
  kSlowStart,
  kOutlierConsecutive,
  kOutlierBaseTime,
  kOutlierMaxTime,
  kOutlierMaxPercent,
  kPanicThreshold,
  kForwardTls,
  kForwardTlsHeader,
  kTrustedProxies,
  kStripHeader,
  kKeepHeader,
  kHsts,
  kRedirectHttps,
  kRedirectHttpsPort,
  kRedirectHttpsExempt,
  kCache,
  kCacheMaxObjectSize,
  kCacheStaleWhileRevalidate,
  kCacheStaleIfError,
  kCacheLockWait,
  kCachePurge,
  kCacheStatuses,
  kCacheTargetedField,
  kCacheCdnControl,
  kCachePurgeSoft,
  kCacheHitForMiss,
  kCacheServers,
  kCacheQuickHandler,
  kCacheLocalSize,
  kCacheTimeout,
  kCacheRetry,
  kRetry,
  kRetryBudget,
  kQueue,
  kProxyStatus,
  kLatencyOutlier,
  kDiscover,
  kResolver,
  kResolverTtl,
  kResolverHold,
  kCount
};
constexpr size_t kOptionCount = static_cast<size_t>(Id::kCount);

// Where a directive may be written.
enum class Where {
  kMainServer,  // the main server only (not in a virtual host)
  kServer,      // the main server or a virtual host
  kAnywhere,    // also <Location>, <Directory>, <Proxy> sections
};

// A directive's value in one configuration section: a number (switches 0/1, durations in
// microseconds, seconds, sizes in bytes, counts) or an object the configuration owns (lists,
// header names, an expression). Trivially copyable: sections are merged on every request.
struct Value {
  int64_t number = 0;
  const void* object = nullptr;
};

// Takes ownership of an object a parser made, for as long as the configuration lives, and
// returns the pointer to keep in a Value. httpd's glue ties it to the configuration pool.
class Keeper {
 public:
  virtual ~Keeper() = default;
  virtual const void* keep(std::shared_ptr<const void> object) = 0;
};

struct Option;
// The words of one directive line (quotes removed) and the value this section had so far (a
// list directive adds to it); an error message says what is accepted (the directive's name is
// added in front).
using Parse = common::Result<Value> (*)(const Option& option, const std::vector<std::string>& words,
                                        const Value& current, Keeper& keeper);

struct Option {
  Id id;
  const char* name;
  Where where;
  uint8_t minWords, maxWords;  // words on the directive's line (kAnyWords: a list)
  const char* defaultText;     // as documented, e.g. "2s", "Off", "none"
  int64_t defaultNumber;
  int64_t min, max;                // the accepted range of numbers (parsers that read one)
  Parse parse;                     // nullptr: httpd's glue parses it (an ap_expr)
  const char* help;                // one line, shown by `apache2 -L`
  const void* (*defaultObject)();  // the default object, when the value is one
};

constexpr uint8_t kAnyWords = 255;

// A switch (On/Off): httpd's FLAG directives; everything else is read as words.
bool isSwitch(const Option& option);

// Every declaration, in Id order.
const std::vector<Option>& options();
const Option& option(Id id);

// One section's values: set ones only; the rest are their declarations' defaults.
struct Settings {
  Value values[kOptionCount];
  std::bitset<kOptionCount> set;

  bool has(Id id) const { return set[static_cast<size_t>(id)]; }
  int64_t number(Id id) const;
  bool flag(Id id) const { return number(id) != 0; }
  template <typename T>
  const T* object(Id id) const {
    return static_cast<const T*>(objectOrDefault(id));
  }
  void assign(Id id, Value v) {
    values[static_cast<size_t>(id)] = v;
    set.set(static_cast<size_t>(id));
  }
  // `add`'s values win where `add` sets them (httpd's merge of a section over its parent).
  static Settings merged(const Settings& base, const Settings& add);

 private:
  const void* objectOrDefault(Id id) const;
};

// Parses one directive line into `s` (after the context check); "" when accepted, else the
// message `apachectl -t` shows ("FleetCacheTimeout: '0' is not valid; accepted: ...").
std::string apply(Settings* s, const Option& option, const std::vector<std::string>& words,
                  Keeper& keeper);

}  // namespace fleet::config
