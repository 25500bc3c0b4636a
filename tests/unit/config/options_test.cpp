#include "shared/config/options.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

#include "shared/cache/policy.h"
#include "shared/offload/forward_plan.h"
#include "shared/offload/forwarded.h"
#include "shared/offload/tls_facts.h"

using namespace fleet::config;

namespace {
// Keeps what parsers make for the life of the test, as the configuration pool does in httpd.
class TestKeeper : public Keeper {
 public:
  const void* keep(std::shared_ptr<const void> object) override {
    kept_.push_back(object);
    return object.get();
  }
  size_t size() const { return kept_.size(); }

 private:
  std::vector<std::shared_ptr<const void>> kept_;
};

std::string apply1(Settings* s, Id id, std::vector<std::string> words, TestKeeper& k) {
  return apply(s, option(id), words, k);
}
}  // namespace

class OptionsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(OptionsTest);
  CPPUNIT_TEST(declaredOnceInIdOrderWithUniqueNames);
  CPPUNIT_TEST(defaultsComeFromTheDeclarations);
  CPPUNIT_TEST(valuesAndRanges);
  CPPUNIT_TEST(errorsNameTheDirectiveValueAndWhatIsAccepted);
  CPPUNIT_TEST(wordCountsAreChecked);
  CPPUNIT_TEST(listsAddWithinASection);
  CPPUNIT_TEST(aSectionWinsWhereItSaysSomething);
  CPPUNIT_TEST_SUITE_END();

 public:
  void declaredOnceInIdOrderWithUniqueNames() {
    std::set<std::string> names;
    CPPUNIT_ASSERT_EQUAL(kOptionCount, options().size());
    for (size_t i = 0; i < options().size(); ++i) {
      const Option& o = options()[i];
      CPPUNIT_ASSERT_EQUAL(i, static_cast<size_t>(o.id));
      CPPUNIT_ASSERT(names.insert(o.name).second);
      CPPUNIT_ASSERT(std::string(o.name).rfind("Fleet", 0) == 0);
      CPPUNIT_ASSERT(o.help != nullptr && *o.help != '\0');
      CPPUNIT_ASSERT(o.defaultText != nullptr && *o.defaultText != '\0');
    }
  }
  void defaultsComeFromTheDeclarations() {
    Settings s;
    CPPUNIT_ASSERT_EQUAL(int64_t(2000000), s.number(Id::kCacheLockWait));
    CPPUNIT_ASSERT_EQUAL(int64_t(120), s.number(Id::kCacheHitForMiss));
    CPPUNIT_ASSERT(s.flag(Id::kCacheCdnControl));
    CPPUNIT_ASSERT(!s.flag(Id::kCache));
    CPPUNIT_ASSERT_EQUAL(std::string("Fleet-Cache-Control"),
                         *s.object<std::string>(Id::kCacheTargetedField));
    CPPUNIT_ASSERT(s.object<fleet::cache::StatusSet>(Id::kCacheStatuses)->contains(200));
    CPPUNIT_ASSERT(s.object<fleet::offload::TrustedProxies>(Id::kTrustedProxies) == nullptr);
    CPPUNIT_ASSERT_EQUAL(std::string("X-Forwarded-Proto"),
                         s.object<fleet::offload::HeaderNames>(Id::kForwardTlsHeader)
                             ->name(fleet::offload::Fact::kProto));
  }
  void valuesAndRanges() {
    Settings s;
    TestKeeper k;
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kCacheLockWait, {"250ms"}, k));
    CPPUNIT_ASSERT_EQUAL(int64_t(250000), s.number(Id::kCacheLockWait));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kCacheHitForMiss, {"5m"}, k));
    CPPUNIT_ASSERT_EQUAL(int64_t(300), s.number(Id::kCacheHitForMiss));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kCacheMaxObjectSize, {"1M"}, k));
    CPPUNIT_ASSERT_EQUAL(int64_t(1 << 20), s.number(Id::kCacheMaxObjectSize));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kRedirectHttps, {"on"}, k));
    CPPUNIT_ASSERT_EQUAL(int64_t(308), s.number(Id::kRedirectHttps));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kRedirectHttps, {"on", "301"}, k));
    CPPUNIT_ASSERT_EQUAL(int64_t(301), s.number(Id::kRedirectHttps));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kCacheTargetedField, {"off"}, k));
    CPPUNIT_ASSERT_EQUAL(std::string(""), *s.object<std::string>(Id::kCacheTargetedField));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kHashBalanceFactor, {"0"}, k));
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         apply1(&s, Id::kCacheServers, {"10.0.0.1:11211", "cache2"}, k));
    auto* servers = s.object<std::vector<std::pair<std::string, int>>>(Id::kCacheServers);
    CPPUNIT_ASSERT_EQUAL(size_t(2), servers->size());
    CPPUNIT_ASSERT_EQUAL(11211, (*servers)[1].second);
  }
  void errorsNameTheDirectiveValueAndWhatIsAccepted() {
    Settings s;
    TestKeeper k;
    struct Case {
      Id id;
      std::vector<std::string> words;
      std::string message;
    };
    const Case cases[] = {
        {Id::kEwmaDecay, {"10us"}, "FleetEwmaDecay: '10us' is too short; accepted: 1ms or more"},
        {Id::kCacheTimeout, {"0"}, "FleetCacheTimeout: '0' is not valid; accepted: 1ms to 10s"},
        {Id::kCacheMaxObjectSize,
         {"huge"},
         "FleetCacheMaxObjectSize: 'huge' is not valid; accepted: a size such as 512k, 10M or 1G"},
        {Id::kHashBalanceFactor,
         {"50"},
         "FleetHashBalanceFactor: '50' is not valid; accepted: 0 (off) or a whole number from 100 "
         "to 10000"},
        {Id::kOutlierMaxPercent,
         {"101"},
         "FleetOutlierMaxPercent: '101' is not valid; accepted: a whole number from 0 to 100"},
        {Id::kRedirectHttpsExempt,
         {"healthz"},
         "FleetRedirectHTTPSExempt: 'healthz' is not valid; accepted: a path prefix starting with "
         "/"},
        {Id::kCacheStatuses,
         {"206"},
         "FleetCacheStatuses: '206' is not valid; accepted: status codes"},
        {Id::kHsts, {"includeSubDomains"}, "FleetHSTS includeSubDomains: max-age is missing"},
        {Id::kCacheServers,
         {"h:99999"},
         "FleetCacheServers: 'h:99999' is not valid; accepted: host:port"},
        {Id::kCache, {"maybe"}, "FleetCache: 'maybe' is not valid; accepted: On or Off"},
        {Id::kForwardTlsHeader,
         {"client-verfy", "X"},
         "FleetForwardTLSHeader: 'client-verfy' is not a TLS fact"},
    };
    for (const Case& c : cases) {
      std::string err = apply1(&s, c.id, c.words, k);
      CPPUNIT_ASSERT_MESSAGE(err, err.rfind(c.message, 0) == 0);
      CPPUNIT_ASSERT(!s.has(c.id));  // a refused value changes nothing
    }
  }
  void wordCountsAreChecked() {
    Settings s;
    TestKeeper k;
    CPPUNIT_ASSERT(apply1(&s, Id::kEwmaDecay, {"10", "parsecs"}, k)
                       .rfind("FleetEwmaDecay takes one argument", 0) == 0);
    CPPUNIT_ASSERT(apply1(&s, Id::kForwardTlsHeader, {"proto"}, k)
                       .rfind("FleetForwardTLSHeader takes 2 arguments", 0) == 0);
    CPPUNIT_ASSERT(
        apply1(&s, Id::kTrustedProxies, {}, k).rfind("FleetTrustedProxies takes one or more", 0) ==
        0);
  }
  void listsAddWithinASection() {
    Settings s;
    TestKeeper k;
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kTrustedProxies, {"10.0.0.0/8"}, k));
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         apply1(&s, Id::kTrustedProxies, {"192.0.2.1", "2001:db8::/32"}, k));
    const auto* t = s.object<fleet::offload::TrustedProxies>(Id::kTrustedProxies);
    CPPUNIT_ASSERT(t->trusts("10.1.2.3") && t->trusts("192.0.2.1") && t->trusts("2001:db8::5"));
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         apply1(&s, Id::kForwardTlsHeader, {"proto", "X-Proto"}, k));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kForwardTlsHeader, {"port", "off"}, k));
    const auto* names = s.object<fleet::offload::HeaderNames>(Id::kForwardTlsHeader);
    CPPUNIT_ASSERT_EQUAL(std::string("X-Proto"), names->name(fleet::offload::Fact::kProto));
    CPPUNIT_ASSERT_EQUAL(std::string(""), names->name(fleet::offload::Fact::kPort));
    CPPUNIT_ASSERT_EQUAL(std::string(""), apply1(&s, Id::kStripHeader, {"X-A-*", "X-B"}, k));
    CPPUNIT_ASSERT(s.object<fleet::offload::StripRules>(Id::kStripHeader)->strips("x-a-1"));
  }
  void aSectionWinsWhereItSaysSomething() {
    Settings server, location;
    TestKeeper k;
    apply1(&server, Id::kCacheLockWait, {"1s"}, k);
    apply1(&server, Id::kCache, {"on"}, k);
    apply1(&location, Id::kCache, {"off"}, k);
    Settings m = Settings::merged(server, location);
    CPPUNIT_ASSERT(!m.flag(Id::kCache));
    CPPUNIT_ASSERT_EQUAL(int64_t(1000000), m.number(Id::kCacheLockWait));
    CPPUNIT_ASSERT_EQUAL(int64_t(120), m.number(Id::kCacheHitForMiss));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(OptionsTest, "config");
