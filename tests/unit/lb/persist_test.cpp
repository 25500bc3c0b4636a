#include "shared/lb/persist.h"

#include <cppunit/extensions/HelperMacros.h>
#include <unistd.h>

#include <ctime>
#include <vector>

using namespace fleet::lb;

class PersistTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PersistTest);
  CPPUNIT_TEST(roundTripKeepsLearnedStateOnly);
  CPPUNIT_TEST(badInputRestoresNothingOrSkipsLines);
  CPPUNIT_TEST(fileRoundTripWithAgeLimit);
  CPPUNIT_TEST(unwritablePathIsAnError);
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
    s->health.failing.store(1);
    s->health.checks.store(12);
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
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), r->health.failing.load());  // the checker's verdict stays
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), r->health.checks.load());
    CPPUNIT_ASSERT(u.find(77) != nullptr);
    CPPUNIT_ASSERT_EQUAL(uint32_t(0), u.find(77)->health.failing.load());
  }
  void badInputRestoresNothingOrSkipsLines() {
    MemberTable u = MemberTable::format(b.data(), b.size() * sizeof(MemberSlot));
    CPPUNIT_ASSERT_EQUAL(size_t(0), restoreLearned(u, ""));
    CPPUNIT_ASSERT_EQUAL(size_t(0), restoreLearned(u, "something else\n1 2 3 4\n"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), restoreLearned(u,
                                                   "mod_fleet learned member state v2\n"
                                                   "garbage\n0 1 1 1 0\n5 6 7\n1 2 3 4 5 6\n"
                                                   "3 1 1 1 2\n9 8 0 0 1\n"));
    CPPUNIT_ASSERT(u.find(9) != nullptr);
    CPPUNIT_ASSERT_EQUAL(uint32_t(1), u.find(9)->health.failing.load());
    CPPUNIT_ASSERT_EQUAL(size_t(1), u.used());
    // A file of the earlier format is not misread.
    MemberTable v = MemberTable::format(a.data(), a.size() * sizeof(MemberSlot));
    CPPUNIT_ASSERT_EQUAL(size_t(0),
                         restoreLearned(v, "mod_fleet learned member state v1\n9 8 0 0\n"));
  }
  void fileRoundTripWithAgeLimit() {
    MemberTable t = MemberTable::format(a.data(), a.size() * sizeof(MemberSlot));
    t.findOrClaim(42)->latency.store(1234);
    char dir[] = "/tmp/fleet-persist-XXXXXX";
    CPPUNIT_ASSERT(mkdtemp(dir) != nullptr);
    std::string path = std::string(dir) + "/state";
    CPPUNIT_ASSERT(saveLearnedFile(t, path).isOk());
    CPPUNIT_ASSERT(access((path + ".tmp").c_str(), F_OK) != 0);  // renamed into place
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    MemberTable u = MemberTable::format(b.data(), b.size() * sizeof(MemberSlot));
    CPPUNIT_ASSERT_EQUAL(size_t(0), loadLearnedFile(u, path, now + 3601, 3600).value());  // too old
    CPPUNIT_ASSERT(u.find(42) == nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t(1), loadLearnedFile(u, path, now, 3600).value());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1234), u.find(42)->latency.load());
    CPPUNIT_ASSERT_EQUAL(size_t(0), loadLearnedFile(u, path + ".missing", now, 3600).value());
    unlink(path.c_str());
    rmdir(dir);
  }
  void unwritablePathIsAnError() {
    MemberTable t = MemberTable::format(a.data(), a.size() * sizeof(MemberSlot));
    fleet::common::Status s = saveLearnedFile(t, "/nonexistent-dir/fleet/state");
    CPPUNIT_ASSERT(!s.isOk());
    CPPUNIT_ASSERT(s.message().find("/nonexistent-dir/fleet/state.tmp") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PersistTest, "lb");
