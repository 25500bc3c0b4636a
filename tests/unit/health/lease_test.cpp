#include "shared/health/lease.h"

#include <cppunit/extensions/HelperMacros.h>

#include <thread>
#include <vector>

using namespace fleet::health;

namespace {
constexpr int64_t kSec = 1000000;
constexpr int64_t kStale = kSec;
}  // namespace

class LeaseTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LeaseTest);
  CPPUNIT_TEST(firstComerHoldsAndOthersWait);
  CPPUNIT_TEST(staleHeartbeatIsTakenOver);
  CPPUNIT_TEST(releaseHandsOverAtOnce);
  CPPUNIT_TEST(newerGenerationTakesOverOlderDoesNot);
  CPPUNIT_TEST(exactlyOneWinnerUnderContention);
  CPPUNIT_TEST_SUITE_END();

  std::atomic<uint64_t> word{0};
  LeaseOwner a{100, 1}, b{200, 1};

 public:
  void firstComerHoldsAndOthersWait() {
    CPPUNIT_ASSERT(Lease::tryHold(word, a, 10 * kSec, kStale));
    CPPUNIT_ASSERT(!Lease::tryHold(word, b, 10 * kSec + kSec / 2, kStale));
    CPPUNIT_ASSERT(Lease::tryHold(word, a, 10 * kSec + 900000, kStale));  // renewed
    CPPUNIT_ASSERT(!Lease::tryHold(word, b, 10 * kSec + 1800000, kStale));
    CPPUNIT_ASSERT(Lease::holder(word.load()) == a);
    CPPUNIT_ASSERT_EQUAL(int64_t(900000), Lease::ageMicros(word.load(), 10 * kSec + 1800000));
  }
  void staleHeartbeatIsTakenOver() {
    Lease::tryHold(word, a, 10 * kSec, kStale);
    CPPUNIT_ASSERT(!Lease::tryHold(word, b, 11 * kSec, kStale));         // exactly 1 s: not yet
    CPPUNIT_ASSERT(Lease::tryHold(word, b, 11 * kSec + 1000, kStale));   // a's child died
    CPPUNIT_ASSERT(!Lease::tryHold(word, a, 11 * kSec + 2000, kStale));  // a must stop
  }
  void releaseHandsOverAtOnce() {
    Lease::tryHold(word, a, 10 * kSec, kStale);
    Lease::release(word, b);  // not b's to give
    CPPUNIT_ASSERT(Lease::holder(word.load()) == a);
    Lease::release(word, a);
    CPPUNIT_ASSERT(Lease::tryHold(word, b, 10 * kSec + 1000, kStale));
  }
  void newerGenerationTakesOverOlderDoesNot() {
    LeaseOwner next{300, 2}, wrapped{400, 0};
    Lease::tryHold(word, a, 10 * kSec, kStale);
    CPPUNIT_ASSERT(Lease::tryHold(word, next, 10 * kSec + 1000, kStale));
    CPPUNIT_ASSERT(!Lease::tryHold(word, a, 10 * kSec + 2000, kStale));
    std::atomic<uint64_t> w2{0};
    LeaseOwner last{500, 1023};
    Lease::tryHold(w2, last, 10 * kSec, kStale);
    CPPUNIT_ASSERT(Lease::tryHold(w2, wrapped, 10 * kSec + 1000, kStale));  // 1023 -> 0 is newer
  }
  void exactlyOneWinnerUnderContention() {
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (uint32_t pid = 1; pid <= 8; ++pid) {
      threads.emplace_back([&, pid] {
        if (Lease::tryHold(word, LeaseOwner{pid, 1}, 50 * kSec, kStale)) {
          winners++;
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    CPPUNIT_ASSERT_EQUAL(1, winners.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(LeaseTest, "health");
