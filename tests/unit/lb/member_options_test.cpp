#include "shared/lb/member_options.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::lb;

class MemberOptionsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MemberOptionsTest);
  CPPUNIT_TEST(ownKeysAreApplied);
  CPPUNIT_TEST(otherKeysAreNotMine);
  CPPUNIT_TEST(badValuesSayWhatIsAccepted);
  CPPUNIT_TEST_SUITE_END();

 public:
  void ownKeysAreApplied() {
    MemberOptions o;
    CPPUNIT_ASSERT(applyMemberParam(&o, "slowstart", "30s").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(30000000), o.slowStartMicros);
    CPPUNIT_ASSERT(applyMemberParam(&o, "SlowStart", "0").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), o.slowStartMicros);  // 0: none for this member
    CPPUNIT_ASSERT(applyMemberParam(&o, "maxconn", "200").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(200), o.maxConn);
    CPPUNIT_ASSERT(applyMemberParam(&o, "MAXCONN", "0").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), o.maxConn);
    CPPUNIT_ASSERT(applyMemberParam(&o, "trytimeout", "250ms").value());
    CPPUNIT_ASSERT_EQUAL(int64_t(250000), o.tryTimeoutMicros);
  }
  void otherKeysAreNotMine() {
    MemberOptions o;
    for (const char* key : {"hcmethod", "retry", "max", "timeout", "maxconns", ""}) {
      fleet::common::Result<bool> r = applyMemberParam(&o, key, "1");
      CPPUNIT_ASSERT_MESSAGE(key, r.isOk() && !r.value());
    }
  }
  void badValuesSayWhatIsAccepted() {
    MemberOptions o;
    struct Case {
      const char* key;
      const char* value;
      const char* says;
    } cases[] = {
        {"maxconn", "-1", "maxconn='-1' is not valid; accepted: a whole number from 1 to 1000000"},
        {"maxconn", "1000001", "maxconn='1000001' is not valid"},
        {"maxconn", "10x", "maxconn='10x' is not valid"},
        {"trytimeout", "0", "trytimeout='0' is not valid; accepted: a duration of 1ms or more"},
        {"trytimeout", "soon", "trytimeout='soon' is not valid"},
        {"slowstart", "-5s", "slowstart='-5s' is not valid; accepted: a duration"},
    };
    for (const Case& c : cases) {
      fleet::common::Result<bool> r = applyMemberParam(&o, c.key, c.value);
      CPPUNIT_ASSERT_MESSAGE(c.value, !r.isOk());
      CPPUNIT_ASSERT_MESSAGE(r.status().message(),
                             r.status().message().find(c.says) != std::string::npos);
    }
    CPPUNIT_ASSERT_EQUAL(int64_t(0), o.maxConn);  // nothing half-applied
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(MemberOptionsTest, "lb");
