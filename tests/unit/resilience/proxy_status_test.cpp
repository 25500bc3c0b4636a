#include "shared/resilience/proxy_status.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::resilience;

class ProxyStatusTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ProxyStatusTest);
  CPPUNIT_TEST(rfc9209Fields);
  CPPUNIT_TEST_SUITE_END();

 public:
  void rfc9209Fields() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("fleet; error=connection_refused; next-hop=\"http://10.0.0.7:8080\""),
        proxyStatus(ProxyError::kConnectionRefused, "http://10.0.0.7:8080", ""));
    CPPUNIT_ASSERT_EQUAL(
        std::string("fleet; error=connection_limit_reached; details=\"queue full (50)\""),
        proxyStatus(ProxyError::kConnectionLimit, "", "queue full (50)"));
    // Member names and details are sf-strings: quotes escaped, control bytes dropped.
    CPPUNIT_ASSERT_EQUAL(std::string("fleet; error=http_response_timeout; next-hop=\"a\\\"b\""),
                         proxyStatus(ProxyError::kResponseTimeout, "a\"b\r\n", ""));
    for (ProxyError e : {ProxyError::kConnectionTimeout, ProxyError::kDestinationUnavailable,
                         ProxyError::kRetryBudget}) {
      CPPUNIT_ASSERT(std::string(errorToken(e)).size() > 5);
    }
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ProxyStatusTest, "resilience");
