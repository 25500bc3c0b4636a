#include "shared/resilience/retry_policy.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::resilience;

class RetryPolicyTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RetryPolicyTest);
  CPPUNIT_TEST(parsesAttemptsStatusesAndPutDelete);
  CPPUNIT_TEST(badWordsSayWhatIsAccepted);
  CPPUNIT_TEST(onlyReplayableRequests);
  CPPUNIT_TEST(attemptsAreBounded);
  CPPUNIT_TEST_SUITE_END();

 public:
  void parsesAttemptsStatusesAndPutDelete() {
    RetryPolicy p = parseRetry({"2", "502", "503", "put-delete"}).value();
    CPPUNIT_ASSERT_EQUAL(uint32_t(2), p.retries);
    CPPUNIT_ASSERT(p.statuses[502] && p.statuses[503] && !p.statuses[504]);
    CPPUNIT_ASSERT(p.unsafeIdempotent);
    CPPUNIT_ASSERT(!parseRetry({"0"}).value().enabled());
  }
  void badWordsSayWhatIsAccepted() {
    CPPUNIT_ASSERT(parseRetry({"11"}).status().message().find(
                       "accepted: a number of retries from 0") != std::string::npos);
    CPPUNIT_ASSERT(parseRetry({"2", "404"})
                       .status()
                       .message()
                       .find("'404' is not valid; accepted: a status from 500") == 0);
    CPPUNIT_ASSERT(!parseRetry({}).isOk());
  }
  void onlyReplayableRequests() {
    RetryPolicy p = parseRetry({"1"}).value();
    CPPUNIT_ASSERT(replayable("GET", false, p));
    CPPUNIT_ASSERT(replayable("HEAD", false, p));
    CPPUNIT_ASSERT(replayable("OPTIONS", false, p));
    CPPUNIT_ASSERT(!replayable("POST", false, p));
    CPPUNIT_ASSERT(!replayable("PUT", false, p));  // not configured
    CPPUNIT_ASSERT(!replayable("GET", true, p));   // a body that may not be replayed
    p.unsafeIdempotent = true;
    CPPUNIT_ASSERT(replayable("DELETE", false, p));
    CPPUNIT_ASSERT(!replayable("PATCH", false, p));
    CPPUNIT_ASSERT(!replayable("GET", false, RetryPolicy()));  // FleetRetry not set
  }
  void attemptsAreBounded() {
    RetryPolicy p = parseRetry({"2"}).value();
    CPPUNIT_ASSERT(mayRetry(Failure::kConnect, 1, p));
    CPPUNIT_ASSERT(mayRetry(Failure::kTimeout, 2, p));
    CPPUNIT_ASSERT(!mayRetry(Failure::kStatus, 3, p));
    CPPUNIT_ASSERT(!mayRetry(Failure::kNone, 1, p));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RetryPolicyTest, "resilience");
