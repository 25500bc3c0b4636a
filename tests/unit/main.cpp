// CppUnit runner: `fleet_unit_tests` runs every area; `fleet_unit_tests lb` runs one area.
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
  // As httpd does: a peer closing a socket must not kill the process (OpenSSL writes without
  // MSG_NOSIGNAL, so the probe engine relies on this, and so do the tests' own servers).
  std::signal(SIGPIPE, SIG_IGN);
  CppUnit::TestResult controller;
  CppUnit::TestResultCollector result;
  controller.addListener(&result);
  CppUnit::BriefTestProgressListener progress;
  controller.addListener(&progress);

  CppUnit::TestRunner runner;
  if (argc > 1) {
    runner.addTest(CppUnit::TestFactoryRegistry::getRegistry(argv[1]).makeTest());
  } else {
    for (const char* area :
         {"cache", "common", "config", "health", "lb", "offload", "resilience", "status"}) {
      runner.addTest(CppUnit::TestFactoryRegistry::getRegistry(area).makeTest());
    }
  }
  runner.run(controller);
  CppUnit::CompilerOutputter(&result, std::cerr).write();
  int failed = result.testFailuresTotal();
  std::cout << (result.runTests() - failed) << " passed, " << failed << " failed" << std::endl;
  if (result.runTests() == 0) {
    std::cerr << "no tests ran" << std::endl;
    return 1;
  }
  return result.wasSuccessful() ? 0 : 1;
}
