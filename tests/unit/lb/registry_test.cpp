#include "shared/lb/registry.h"

#include <cppunit/extensions/HelperMacros.h>

#include "shared/lb/p2c.h"

using namespace fleet::lb;

namespace {
class Named : public LoadBalancer {
 public:
  explicit Named(const char* n) : n_(n) {}
  const char* name() const override { return n_; }
  Decision pick(const Candidate*, size_t, PickContext&) const override { return {}; }

 private:
  const char* n_;
};
}  // namespace

class RegistryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RegistryTest);
  CPPUNIT_TEST(builtinsIncludeP2c);
  CPPUNIT_TEST(unknownNameIsNotFound);
  CPPUNIT_TEST(rejectsBadNames);
  CPPUNIT_TEST(rejectsDuplicates);
  CPPUNIT_TEST_SUITE_END();

 public:
  void builtinsIncludeP2c() {
    Registry r = Registry::withBuiltins();
    const LoadBalancer* m = r.find("p2c");
    CPPUNIT_ASSERT(m != nullptr);
    CPPUNIT_ASSERT_EQUAL(std::string("p2c"), std::string(m->name()));
    std::vector<std::string> names = r.names();
    CPPUNIT_ASSERT(std::find(names.begin(), names.end(), "p2c") != names.end());
  }
  void unknownNameIsNotFound() {
    Registry r = Registry::withBuiltins();
    CPPUNIT_ASSERT(r.find("p2cc") == nullptr);
    CPPUNIT_ASSERT(r.find("") == nullptr);
  }
  void rejectsBadNames() {
    Registry r;
    CPPUNIT_ASSERT(!r.add(std::make_unique<Named>("")).isOk());
    CPPUNIT_ASSERT(!r.add(std::make_unique<Named>("sixteen_chars_xx")).isOk());
    CPPUNIT_ASSERT(!r.add(std::make_unique<Named>("Upper")).isOk());
    CPPUNIT_ASSERT(!r.add(nullptr).isOk());
    CPPUNIT_ASSERT(r.add(std::make_unique<Named>("fifteen_chars_x")).isOk());
    CPPUNIT_ASSERT(r.names().size() == 1);
  }
  void rejectsDuplicates() {
    Registry r;
    CPPUNIT_ASSERT(r.add(std::make_unique<PowerOfTwo>()).isOk());
    fleet::common::Status s = r.add(std::make_unique<PowerOfTwo>());
    CPPUNIT_ASSERT(!s.isOk());
    CPPUNIT_ASSERT(s.message().find("twice") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RegistryTest, "lb");
