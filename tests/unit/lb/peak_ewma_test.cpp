#include "shared/lb/peak_ewma.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cmath>

using namespace fleet::lb;

class PeakEwmaTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PeakEwmaTest);
  CPPUNIT_TEST(noSampleReadsNegative);
  CPPUNIT_TEST(firstSampleIsTheEstimate);
  CPPUNIT_TEST(peakJumpsUpAtOnce);
  CPPUNIT_TEST(lowerSamplesPullDownWithTau);
  CPPUNIT_TEST(readDecaysWithIdleTime);
  CPPUNIT_TEST(survivesStampWrapAround);
  CPPUNIT_TEST(shortIntervalsDecayLikeExp);
  CPPUNIT_TEST(attemptSamples);
  CPPUNIT_TEST_SUITE_END();

  static constexpr int64_t kTau = 10000000;  // 10 s

 public:
  void noSampleReadsNegative() {
    CPPUNIT_ASSERT(PeakEwma::read(0, 123, kTau) < 0);
    CPPUNIT_ASSERT(PeakEwma::stored(0) < 0);
  }
  void firstSampleIsTheEstimate() {
    std::atomic<uint64_t> w{0};
    PeakEwma::observe(w, 2000, 5000000, kTau);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(2000.0, PeakEwma::read(w.load(), 5000000, kTau), 0.01);
  }
  void peakJumpsUpAtOnce() {
    std::atomic<uint64_t> w{0};
    PeakEwma::observe(w, 1000, 0, kTau);
    PeakEwma::observe(w, 50000, 1000, kTau);  // 1 ms later, a 50 ms answer
    CPPUNIT_ASSERT_DOUBLES_EQUAL(50000.0, PeakEwma::stored(w.load()), 0.01);
  }
  void lowerSamplesPullDownWithTau() {
    std::atomic<uint64_t> w{0};
    PeakEwma::observe(w, 20000, 0, kTau);
    // One tau later a 1 ms sample: weight of the old estimate is e^-1.
    PeakEwma::observe(w, 1000, kTau, kTau);
    double expect = 20000 * std::exp(-1.0) + 1000 * (1 - std::exp(-1.0));
    CPPUNIT_ASSERT_DOUBLES_EQUAL(expect, PeakEwma::stored(w.load()), 1.0);
    // Samples at the same instant do not move a higher estimate (weight 1 on the old value).
    PeakEwma::observe(w, 1000, kTau, kTau);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(expect, PeakEwma::stored(w.load()), 1.0);
  }
  void readDecaysWithIdleTime() {
    std::atomic<uint64_t> w{0};
    PeakEwma::observe(w, 8000, 0, kTau);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(8000 * std::exp(-0.5), PeakEwma::read(w.load(), kTau / 2, kTau),
                                 1.0);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(8000.0, PeakEwma::stored(w.load()),
                                 0.01);  // reading changes nothing
  }
  void attemptSamples() {
    CPPUNIT_ASSERT_DOUBLES_EQUAL(3000.0, attemptLatencyMicros(1000, 4000, false, 500000), 0.0);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(500000.0, attemptLatencyMicros(1000, 4000, true, 500000), 0.0);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(900000.0, attemptLatencyMicros(100000, 1000000, true, 500000),
                                 0.0);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(500000.0, attemptLatencyMicros(0, 4000, true, 500000), 0.0);
    CPPUNIT_ASSERT(attemptLatencyMicros(0, 4000, false, 500000) < 0);  // never sent, not failed
  }
  void shortIntervalsDecayLikeExp() {
    std::atomic<uint64_t> w{0};
    PeakEwma::observe(w, 10000, 0, kTau);
    for (int64_t ms : {1, 5, 50, 99, 100, 101, 1000}) {  // around the series/exp switch at 100 ms
      double expect = 10000 * std::exp(-double(ms) * 1000 / kTau);
      CPPUNIT_ASSERT_DOUBLES_EQUAL(expect, PeakEwma::read(w.load(), ms * 1000, kTau), 0.01);
    }
  }
  void survivesStampWrapAround() {
    std::atomic<uint64_t> w{0};
    int64_t nearWrap = (int64_t{1} << 32) * 1000 - 500000;  // 0.5 s before the ms stamp wraps
    PeakEwma::observe(w, 4000, nearWrap, kTau);
    double later = PeakEwma::read(w.load(), nearWrap + 1000000, kTau);  // 1 s later, after wrap
    CPPUNIT_ASSERT_DOUBLES_EQUAL(4000 * std::exp(-0.1), later, 1.0);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PeakEwmaTest, "lb");
