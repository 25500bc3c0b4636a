#include "shared/health/hc_definitions.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using namespace fleet::health;

namespace {

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

class HcDefinitionsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HcDefinitionsTest);
  CPPUNIT_TEST(aVirtualHostSeesItsOwnExpressionsBeforeTheMainServers);
  CPPUNIT_TEST(hcexprMustNameAKnownExpression);
  CPPUNIT_TEST(aTemplateReplaysItsPairs);
  CPPUNIT_TEST(templateNamesAreCaseInsensitiveAndSeenFromVirtualHosts);
  CPPUNIT_TEST(aBadTemplateIsNotDefined);
  CPPUNIT_TEST(templatesNestButNotForever);
  CPPUNIT_TEST(unknownParametersAreRefused);
  CPPUNIT_TEST_SUITE_END();

  int compiledA = 0, compiledB = 0;

 public:
  void aVirtualHostSeesItsOwnExpressionsBeforeTheMainServers() {
    HcDefinitions main;
    main.addExpression("ok", "%{REQUEST_STATUS} == 200", &compiledA);
    main.addExpression("up", "true", &compiledA);
    HcDefinitions vhost(&main);
    vhost.addExpression("ok", "%{REQUEST_STATUS} < 400", &compiledB);
    CPPUNIT_ASSERT_EQUAL(static_cast<const void*>(&compiledB),
                         vhost.findExpression("ok")->compiled);
    CPPUNIT_ASSERT_EQUAL(static_cast<const void*>(&compiledA), main.findExpression("ok")->compiled);
    CPPUNIT_ASSERT_EQUAL(std::string("true"), vhost.findExpression("up")->text);
    CPPUNIT_ASSERT(vhost.findExpression("OK") == nullptr);  // expression names are exact
    CPPUNIT_ASSERT(vhost.findExpression("none") == nullptr);
    auto all = vhost.expressions();
    CPPUNIT_ASSERT_EQUAL(size_t(3), all.size());  // balancer-manager lists the vhost's, then main's
    CPPUNIT_ASSERT_EQUAL(std::string("%{REQUEST_STATUS} < 400"), all[0].second->text);
    CPPUNIT_ASSERT_EQUAL(size_t(2), main.expressions().size());
  }
  void hcexprMustNameAKnownExpression() {
    HcDefinitions main;
    CheckConfig c;
    CPPUNIT_ASSERT_EQUAL(std::string("hcexpr='ok' is not a ProxyHCExpr defined before this line; "
                                     "defined: none defined"),
                         main.applyParam(&c, "hcexpr", "ok"));
    main.addExpression("a", "true", &compiledA);
    main.addExpression("b", "true", &compiledA);
    CPPUNIT_ASSERT_MESSAGE(
        main.applyParam(&c, "hcexpr", "ok"),
        main.applyParam(&c, "hcexpr", "ok").find("defined: a, b") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string(""), main.applyParam(&c, "HCexpr", "b"));
    CPPUNIT_ASSERT_EQUAL(std::string("b"), c.exprName);
  }
  void aTemplateReplaysItsPairs() {
    HcDefinitions main;
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         main.addTemplate("fast", {"hcmethod=GET", "hcuri=/health",
                                                   "hcinterval=200ms", "hcpasses=2"}));
    CheckConfig c;
    CPPUNIT_ASSERT_EQUAL(std::string(""), main.applyParam(&c, "hctemplate", "fast"));
    CPPUNIT_ASSERT(c.spec.method == ProbeMethod::kGet);
    CPPUNIT_ASSERT_EQUAL(std::string("/health"), c.spec.uri);
    CPPUNIT_ASSERT_EQUAL(int64_t(200000), c.intervalMicros);
    CPPUNIT_ASSERT_EQUAL(uint32_t(2), c.passes);
    // A later parameter of the member overrides the template's.
    CPPUNIT_ASSERT_EQUAL(std::string(""), main.applyParam(&c, "hcpasses", "3"));
    CPPUNIT_ASSERT_EQUAL(uint32_t(3), c.passes);
  }
  void templateNamesAreCaseInsensitiveAndSeenFromVirtualHosts() {
    HcDefinitions main;
    main.addTemplate("Web", {"hcmethod=HEAD"});
    HcDefinitions vhost(&main);
    CheckConfig c;
    CPPUNIT_ASSERT_EQUAL(std::string(""), vhost.applyParam(&c, "hctemplate", "WEB"));
    CPPUNIT_ASSERT(c.spec.method == ProbeMethod::kHead);
    CPPUNIT_ASSERT_EQUAL(std::string("hctemplate='api' is not a ProxyHCTemplate defined before "
                                     "this line"),
                         vhost.applyParam(&c, "hctemplate", "api"));
    vhost.addTemplate("api", {"hcmethod=OPTIONS"});
    CPPUNIT_ASSERT(main.applyParam(&c, "hctemplate", "api") != "");  // the vhost's stays its own
  }
  void aBadTemplateIsNotDefined() {
    HcDefinitions main;
    CPPUNIT_ASSERT_EQUAL(std::string("'hcmethod' is not key=value"),
                         main.addTemplate("t", {"hcuri=/x", "hcmethod"}));
    std::string err = main.addTemplate("t", {"hcinterval=1ms"});
    CPPUNIT_ASSERT_MESSAGE(err, startsWith(err, "hcinterval='1ms'"));
    err = main.addTemplate("t", {"hcexpr=nosuch"});
    CPPUNIT_ASSERT_MESSAGE(err, startsWith(err, "hcexpr='nosuch' is not a ProxyHCExpr"));
    CheckConfig c;
    CPPUNIT_ASSERT(startsWith(main.applyParam(&c, "hctemplate", "t"), "hctemplate='t' is not"));
  }
  void templatesNestButNotForever() {
    HcDefinitions main;
    main.addTemplate("base", {"hcmethod=GET"});
    main.addTemplate("web", {"hctemplate=base", "hcuri=/hc"});
    CheckConfig c;
    CPPUNIT_ASSERT_EQUAL(std::string(""), main.applyParam(&c, "hctemplate", "web"));
    CPPUNIT_ASSERT(c.spec.method == ProbeMethod::kGet);
    CPPUNIT_ASSERT_EQUAL(std::string("/hc"), c.spec.uri);
    // Each definition only sees templates defined before it, so a loop needs redefinition.
    main.addTemplate("loop", {"hcuri=/"});
    main.addTemplate("loop", {"hctemplate=loop"});
    CPPUNIT_ASSERT_EQUAL(std::string("hctemplate='loop' nests templates too deeply"),
                         main.applyParam(&c, "hctemplate", "loop"));
  }
  void unknownParametersAreRefused() {
    HcDefinitions main;
    CheckConfig c;
    CPPUNIT_ASSERT_EQUAL(std::string("unknown BalancerMember parameter 'HCfoo'"),
                         main.applyParam(&c, "HCfoo", "1"));
    CPPUNIT_ASSERT_EQUAL(std::string("unknown BalancerMember parameter 'hcfoo'"),
                         main.addTemplate("t", {"hcfoo=1"}));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HcDefinitionsTest, "health");
