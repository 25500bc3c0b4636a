#include "shared/offload/forward_plan.h"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <map>

using namespace fleet::offload;
namespace common = fleet::common;

namespace {

struct Fixture {
  common::HeaderList headers;
  ForwardRequest req;
  std::map<std::string, std::string> ssl;
  Fixture() {
    req.peerIp = "192.0.2.10";
    req.clientIp = "192.0.2.10";
    req.host = "shop.example";
    req.serverName = "proxy.internal";
    req.https = true;
    req.localPort = 443;
  }
  ForwardPlan plan(ForwardScope scope, const StripRules& rules = StripRules(),
                   const TrustedProxies* trusted = nullptr,
                   const HeaderNames& names = HeaderNames::defaults(),
                   const StripRules* keep = nullptr) {
    req.headers = &headers;
    return planForward(req, scope, names, rules, keep != nullptr ? *keep : rules, trusted,
                       [this](const char* n) -> std::optional<std::string> {
                         auto it = ssl.find(n);
                         return it == ssl.end() ? std::nullopt
                                                : std::optional<std::string>(it->second);
                       });
  }
};

bool removes(const ForwardPlan& p, const std::string& name) {
  return std::find(p.remove.begin(), p.remove.end(), name) != p.remove.end();
}

std::string setValue(const ForwardPlan& p, const std::string& name, const char* scheme = "fcgi") {
  common::HeaderList all = p.set;
  for (const auto& kv : forwardedHeaders(p, scheme)) {
    if (!kv.second.empty()) {
      all.push_back(kv);
    }
  }
  for (const auto& [k, v] : all) {
    if (k == name) {
      return v;
    }
  }
  return "<unset>";
}

}  // namespace

class ForwardPlanTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ForwardPlanTest);
  CPPUNIT_TEST(everySpellingOfATrustedNameIsRemoved);
  CPPUNIT_TEST(otherProxiesNamesAreRemovedToo);
  CPPUNIT_TEST(factsComeFromTheConnectionAndModSsl);
  CPPUNIT_TEST(aTrustedProxysChainIsExtended);
  CPPUNIT_TEST(aTrustedProxysBadChainIsReplaced);
  CPPUNIT_TEST(cacheLocationsReplaceOnlyForwardingNames);
  CPPUNIT_TEST(operatorAddsAndKeepsNames);
  CPPUNIT_TEST(badRuleNamesSayWhatIsAccepted);
  CPPUNIT_TEST(proxyAddHeadersOffSetsNoForwardedFor);
  CPPUNIT_TEST(unsafeValuesAreNeverSet);
  CPPUNIT_TEST_SUITE_END();

 public:
  void everySpellingOfATrustedNameIsRemoved() {
    Fixture f;
    f.headers = {{"X-SSL-Client-Verify", "SUCCESS"},
                 {"X_SSL_Client_Verify", "SUCCESS"},
                 {"x.ssl.client.verify", "SUCCESS"},
                 {"X-Ssl-Client-S-Dn", "CN=admin"},
                 {"Client_Cert", ":AAAA:"},
                 {"X_Forwarded_For", "10.0.0.1"},
                 {"X-Forwarded-Proto", "https"},
                 {"Content-Type", "text/plain"},
                 {"X-App", "1"}};
    ForwardPlan p = f.plan(ForwardScope::kTls);
    for (const char* n :
         {"X-SSL-Client-Verify", "X_SSL_Client_Verify", "x.ssl.client.verify", "X-Ssl-Client-S-Dn",
          "Client_Cert", "X_Forwarded_For", "X-Forwarded-Proto"}) {
      CPPUNIT_ASSERT_MESSAGE(n, removes(p, n));
    }
    CPPUNIT_ASSERT(!removes(p, "Content-Type"));
    CPPUNIT_ASSERT(!removes(p, "X-App"));
    // No certificate from mod_ssl: none of its facts is set, the client's are gone.
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"), setValue(p, "X-SSL-Client-Verify"));
  }
  void otherProxiesNamesAreRemovedToo() {
    Fixture f;
    f.headers = {{"X-Forwarded-Ssl", "on"},
                 {"X-Forwarded-Scheme", "https"},
                 {"Front-End-Https", "on"},
                 {"X-Real-IP", "10.0.0.1"},
                 {"True-Client-IP", "10.0.0.1"},
                 {"X-SSL-Client-Cert", "x"},
                 {"SSL_CLIENT_S_DN", "CN=admin"},
                 {"ssl-client-verify", "SUCCESS"},
                 {"X-Forwarded-Client-Cert", "Hash=1"},
                 {"X-Original-URL", "/admin"}};
    ForwardPlan p = f.plan(ForwardScope::kTls);
    for (const auto& h : f.headers) {
      CPPUNIT_ASSERT_MESSAGE(h.first, removes(p, h.first));
    }
  }
  void factsComeFromTheConnectionAndModSsl() {
    Fixture f;
    f.ssl = {{"SSL_CLIENT_VERIFY", "SUCCESS"},
             {"SSL_CLIENT_S_DN", "CN=alice"},
             {"SSL_PROTOCOL", "TLSv1.3"}};
    ForwardPlan p = f.plan(ForwardScope::kTls);
    CPPUNIT_ASSERT_EQUAL(std::string("https"), setValue(p, "X-Forwarded-Proto"));
    CPPUNIT_ASSERT_EQUAL(std::string("443"), setValue(p, "X-Forwarded-Port"));
    CPPUNIT_ASSERT_EQUAL(std::string("for=192.0.2.10;proto=https;host=shop.example"),
                         setValue(p, "Forwarded"));
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.10"), setValue(p, "X-Forwarded-For"));
    CPPUNIT_ASSERT_EQUAL(std::string("shop.example"), setValue(p, "X-Forwarded-Host"));
    CPPUNIT_ASSERT_EQUAL(std::string("proxy.internal"), setValue(p, "X-Forwarded-Server"));
    CPPUNIT_ASSERT_EQUAL(std::string("SUCCESS"), setValue(p, "X-SSL-Client-Verify"));
    CPPUNIT_ASSERT_EQUAL(std::string("CN=alice"), setValue(p, "X-SSL-Client-S-DN"));
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"), setValue(p, "X-SSL-Protocol"));  // off by default
    f.req.https = false;
    p = f.plan(ForwardScope::kTls);
    CPPUNIT_ASSERT_EQUAL(std::string("http"), setValue(p, "X-Forwarded-Proto"));
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"),
                         setValue(p, "X-SSL-Client-Verify"));  // no TLS: no facts
  }
  void aTrustedProxysChainIsExtended() {
    Fixture f;
    TrustedProxies t;
    t.add(Cidr::parse("192.0.2.0/24").value());
    f.req.clientIp = "203.0.113.7";  // what mod_remoteip made of it
    f.headers = {{"X-Forwarded-For", "198.51.100.1"},   {"x-forwarded-for", "203.0.113.7"},
                 {"X_Forwarded_For", "6.6.6.6"},        {"Forwarded", "for=198.51.100.1"},
                 {"X-Forwarded-Host", "outer.example"}, {"X-SSL-Client-Verify", "SUCCESS"}};
    ForwardPlan p = f.plan(ForwardScope::kTls, StripRules(), &t);
    CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.1, 203.0.113.7, 203.0.113.7"),
                         setValue(p, "X-Forwarded-For"));
    CPPUNIT_ASSERT_EQUAL(std::string("outer.example, shop.example"),
                         setValue(p, "X-Forwarded-Host"));
    // mod_proxy_http and mod_proxy_http2 append their own entry: they get the incoming chain.
    CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.1, 203.0.113.7"),
                         setValue(p, "X-Forwarded-For", "http"));
    CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.1, 203.0.113.7"),
                         setValue(p, "X-Forwarded-For", "H2C"));
    CPPUNIT_ASSERT_EQUAL(std::string("outer.example"), setValue(p, "X-Forwarded-Host", "wss"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("for=198.51.100.1, for=203.0.113.7;proto=https;host=shop.example"),
        setValue(p, "Forwarded"));
    CPPUNIT_ASSERT(removes(p, "X_Forwarded_For"));      // a variant is never part of the chain
    CPPUNIT_ASSERT(removes(p, "X-SSL-Client-Verify"));  // TLS facts: only mod_ssl's
  }
  void aTrustedProxysBadChainIsReplaced() {
    Fixture f;
    TrustedProxies t;
    t.add(Cidr::parse("192.0.2.10").value());
    f.headers = {{"X-Forwarded-For", "evil\r\nX-Admin: 1"}, {"Forwarded", "for=\"unterminated"}};
    ForwardPlan p = f.plan(ForwardScope::kTls, StripRules(), &t);
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.10"), setValue(p, "X-Forwarded-For", "scgi"));
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"), setValue(p, "X-Forwarded-For", "http"));
    CPPUNIT_ASSERT_EQUAL(std::string("for=192.0.2.10;proto=https;host=shop.example"),
                         setValue(p, "Forwarded"));
  }
  void cacheLocationsReplaceOnlyForwardingNames() {
    Fixture f;
    f.req.https = false;
    f.req.localPort = 8080;
    f.headers = {{"X-Forwarded-Host", "evil.example"},
                 {"X_Forwarded_Proto", "https"},
                 {"X-Forwarded-Port", "1"},
                 {"Forwarded", "host=evil.example"},
                 {"X-Original-URL", "/x"},
                 {"X-SSL-Client-Verify", "SUCCESS"}};
    ForwardPlan p = f.plan(ForwardScope::kForwarding);
    for (const char* n : {"X-Forwarded-Host", "X_Forwarded_Proto", "X-Forwarded-Port", "Forwarded",
                          "X-Original-URL"}) {
      CPPUNIT_ASSERT_MESSAGE(n, removes(p, n));
    }
    CPPUNIT_ASSERT(!removes(p, "X-SSL-Client-Verify"));
    CPPUNIT_ASSERT_EQUAL(std::string("shop.example"), setValue(p, "X-Forwarded-Host"));
    CPPUNIT_ASSERT_EQUAL(std::string("http"), setValue(p, "X-Forwarded-Proto"));
    CPPUNIT_ASSERT_EQUAL(std::string("8080"), setValue(p, "X-Forwarded-Port"));
    // A trusted proxy in front keeps its own values.
    TrustedProxies t;
    t.add(Cidr::parse("192.0.2.0/24").value());
    ForwardPlan trusted = f.plan(ForwardScope::kForwarding, StripRules(), &t);
    CPPUNIT_ASSERT(trusted.remove.empty() && trusted.set.empty());
  }
  void operatorAddsAndKeepsNames() {
    Fixture f;
    StripRules r;
    CPPUNIT_ASSERT(r.add("X-Internal-*").isOk());
    CPPUNIT_ASSERT(r.add("X-Debug").isOk());
    // FleetKeepHeader may come from another section than FleetStripHeader.
    StripRules keep;
    CPPUNIT_ASSERT(keep.keep("X-Real-IP").isOk());
    f.headers = {
        {"X_Internal_Token", "t"}, {"x-debug", "1"}, {"X-Real-IP", "10.0.0.1"}, {"X-App", "1"}};
    ForwardPlan p = f.plan(ForwardScope::kTls, r, nullptr, HeaderNames::defaults(), &keep);
    CPPUNIT_ASSERT(removes(p, "X_Internal_Token"));
    CPPUNIT_ASSERT(removes(p, "x-debug"));
    CPPUNIT_ASSERT(!removes(p, "X-Real-IP"));
    CPPUNIT_ASSERT(!removes(p, "X-App"));
  }
  void badRuleNamesSayWhatIsAccepted() {
    StripRules r;
    for (const char* bad : {"", "X Bad", "X:Y", "*", "X-\xff"}) {
      common::Status s = r.add(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, !s.isOk());
      CPPUNIT_ASSERT(s.message().find("accepted: a header name") != std::string::npos);
    }
    CPPUNIT_ASSERT(!r.keep("X-*").isOk());
  }
  void proxyAddHeadersOffSetsNoForwardedFor() {
    Fixture f;
    f.req.proxyAddHeaders = false;
    f.headers = {{"X-Forwarded-For", "6.6.6.6"}};
    ForwardPlan p = f.plan(ForwardScope::kTls);
    CPPUNIT_ASSERT(removes(p, "X-Forwarded-For"));
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"), setValue(p, "X-Forwarded-For"));
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"), setValue(p, "X-Forwarded-For", "http"));
  }
  void unsafeValuesAreNeverSet() {
    Fixture f;
    f.req.host = "shop.example\r\nX-Admin: 1";
    f.ssl = {{"SSL_CLIENT_VERIFY", "SUCCESS"}, {"SSL_CLIENT_S_DN", "CN=a\r\nX-Admin: 1"}};
    ForwardPlan p = f.plan(ForwardScope::kTls);
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"), setValue(p, "X-SSL-Client-S-DN"));
    CPPUNIT_ASSERT_EQUAL(std::string("<unset>"), setValue(p, "X-Forwarded-Host"));
    for (const auto& [k, v] : p.set) {
      CPPUNIT_ASSERT_MESSAGE(k, safeHeaderValue(v));
    }
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ForwardPlanTest, "offload");
