#include "shared/lb/persist.h"

#include <cppunit/extensions/HelperMacros.h>

#include <vector>

using namespace fleet::lb;

class PersistTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PersistTest);
  CPPUNIT_TEST(roundTripKeepsLearnedStateOnly);
  CPPUNIT_TEST(badInputRestoresNothingOrSkipsLines);
  CPPUNIT_TEST_SUITE_END();

  std::vector<MemberSlot> a = std::vector<MemberSlot>(32), b = std::vector<MemberSlot>(32);

 public:
  void roundTripKeepsLearnedStateOnly() {
    MemberTable t = MemberTable::format(a.data(), a.size() * sizeof(MemberSlot));
    MemberSlot* s = t.findOrClaim(1234567890123ULL);
    s->latency.store(0xabcdef0012345678ULL);
    s->ejections.store(2);
    s->ejectedUntil.store(-5);
    s->inflight.store(9);
    s->requests.store(100);
    t.findOrClaim(77);
    MemberTable u = MemberTable::format(b.data(), b.size() * sizeof(MemberSlot));
    CPPUNIT_ASSERT_EQUAL(size_t(2), restoreLearned(u, serializeLearned(t)));
    MemberSlot* r = u.find(1234567890123ULL);
    CPPUNIT_ASSERT(r != nullptr);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0xabcdef0012345678ULL), r->latency.load());
    CPPUNIT_ASSERT_EQUAL(uint32_t(2), r->ejections.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(-5), r->ejectedUntil.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), r->inflight.load());  // counters start afresh
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), r->requests.load());
    CPPUNIT_ASSERT(u.find(77) != nullptr);
  }
  void badInputRestoresNothingOrSkipsLines() {
    MemberTable u = MemberTable::format(b.data(), b.size() * sizeof(MemberSlot));
    CPPUNIT_ASSERT_EQUAL(size_t(0), restoreLearned(u, ""));
    CPPUNIT_ASSERT_EQUAL(size_t(0), restoreLearned(u, "something else\n1 2 3 4\n"));
    CPPUNIT_ASSERT_EQUAL(size_t(1),
                         restoreLearned(u, "mod_fleet learned member state v1\n"
                                           "garbage\n0 1 1 1\n5 6 7\n1 2 3 4 5\n9 8 0 0\n"));
    CPPUNIT_ASSERT(u.find(9) != nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t(1), u.used());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PersistTest, "lb");
