#include "shared/dns/message.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using namespace fleet::dns;

namespace {

// Builds DNS responses byte by byte, as a server would send them.
struct Wire {
  std::vector<uint8_t> b;
  void u16(uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void name(const std::string& n) {
    size_t start = 0;
    while (start < n.size()) {
      size_t dot = n.find('.', start);
      std::string label =
          n.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      b.push_back(static_cast<uint8_t>(label.size()));
      b.insert(b.end(), label.begin(), label.end());
      start = dot == std::string::npos ? n.size() : dot + 1;
    }
    b.push_back(0);
  }
  void header(uint16_t flags, uint16_t qd, uint16_t an) {
    u16(0x1234);
    u16(flags);
    u16(qd);
    u16(an);
    u16(0);
    u16(0);
  }
  void question(const std::string& n, uint16_t type) {
    name(n);
    u16(type);
    u16(1);
  }
  void rr(uint16_t type, uint32_t ttl, const std::vector<uint8_t>& rdata) {
    b.push_back(0xC0);  // the question's name, compressed
    b.push_back(12);
    u16(type);
    u16(1);
    u32(ttl);
    u16(static_cast<uint16_t>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
  }
};

std::vector<uint8_t> srvData(uint16_t prio, uint16_t weight, uint16_t port, const std::string& t) {
  Wire w;
  w.u16(prio);
  w.u16(weight);
  w.u16(port);
  w.name(t);
  return w.b;
}

}  // namespace

class MessageTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MessageTest);
  CPPUNIT_TEST(readsAddressesWithTheirTtls);
  CPPUNIT_TEST(readsSrvRecords);
  CPPUNIT_TEST(reportsTheResponseCode);
  CPPUNIT_TEST(skipsOtherTypesAndClasses);
  CPPUNIT_TEST(refusesEveryMalformedMessage);
  CPPUNIT_TEST(aCompressionLoopEnds);
  CPPUNIT_TEST(anSrvTargetIsAHostName);
  CPPUNIT_TEST_SUITE_END();

 public:
  void readsAddressesWithTheirTtls() {
    Wire w;
    w.header(0x8180, 1, 3);
    w.question("app.internal", 1);
    w.rr(1, 30, {10, 0, 0, 7});
    w.rr(1, 0x80000001u, {10, 0, 0, 8});  // top bit set: treated as zero
    w.rr(28, 60, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7});
    Response r = parseResponse(w.b.data(), w.b.size());
    CPPUNIT_ASSERT(r.ok);
    CPPUNIT_ASSERT_EQUAL(0, r.rcode);
    CPPUNIT_ASSERT_EQUAL(size_t(3), r.records.size());
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.7"), r.records[0].address);
    CPPUNIT_ASSERT_EQUAL(30u, r.records[0].ttl);
    CPPUNIT_ASSERT_EQUAL(0u, r.records[1].ttl);
    CPPUNIT_ASSERT(r.records[2].type == RecordType::kAaaa);
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::7"), r.records[2].address);
  }
  // Found by the dns_message fuzz target: a target label holding a NUL, a space or a '.' passed,
  // and went on to the resolver (cut at the NUL: another name), the logs and the member's URL.
  void anSrvTargetIsAHostName() {
    for (const std::string& label :
         {std::string("a\0b", 3), std::string("a b"), std::string("a.b"), std::string("a\r\nb")}) {
      Wire w;
      w.header(0x8180, 1, 1);
      w.question("_http._tcp.app.internal", 33);
      std::vector<uint8_t> rdata = {0, 1, 0, 1, 0x1F, 0x90, static_cast<uint8_t>(label.size())};
      rdata.insert(rdata.end(), label.begin(), label.end());
      rdata.push_back(0);
      w.rr(33, 20, rdata);
      Response r = parseResponse(w.b.data(), w.b.size());
      CPPUNIT_ASSERT_MESSAGE(label, !r.ok);
    }
    Wire ok;
    ok.header(0x8180, 1, 1);
    ok.question("_http._tcp.app.internal", 33);
    ok.rr(33, 20, srvData(0, 1, 8080, "m-1.app_x.internal"));
    CPPUNIT_ASSERT(parseResponse(ok.b.data(), ok.b.size()).ok);
  }
  void readsSrvRecords() {
    Wire w;
    w.header(0x8180, 1, 2);
    w.question("_http._tcp.app.internal", 33);
    w.rr(33, 20, srvData(10, 60, 8080, "a.app.internal"));
    w.rr(33, 20, srvData(20, 0, 8081, "b.app.internal"));
    Response r = parseResponse(w.b.data(), w.b.size());
    CPPUNIT_ASSERT(r.ok);
    CPPUNIT_ASSERT_EQUAL(size_t(2), r.records.size());
    CPPUNIT_ASSERT(r.records[0].type == RecordType::kSrv);
    CPPUNIT_ASSERT_EQUAL(uint16_t(10), r.records[0].priority);
    CPPUNIT_ASSERT_EQUAL(uint16_t(60), r.records[0].weight);
    CPPUNIT_ASSERT_EQUAL(uint16_t(8080), r.records[0].port);
    CPPUNIT_ASSERT_EQUAL(std::string("a.app.internal"), r.records[0].target);
    CPPUNIT_ASSERT_EQUAL(std::string("b.app.internal"), r.records[1].target);
  }
  void reportsTheResponseCode() {
    Wire w;
    w.header(0x8183, 1, 0);  // NXDOMAIN
    w.question("gone.internal", 1);
    Response r = parseResponse(w.b.data(), w.b.size());
    CPPUNIT_ASSERT(r.ok);
    CPPUNIT_ASSERT_EQUAL(3, r.rcode);
    Wire t;
    t.header(0x8380, 0, 0);  // truncated
    CPPUNIT_ASSERT(parseResponse(t.b.data(), t.b.size()).truncated);
  }
  void skipsOtherTypesAndClasses() {
    Wire w;
    w.header(0x8180, 1, 2);
    w.question("app.internal", 1);
    w.rr(5, 30, {0xC0, 12});           // a CNAME
    w.rr(16, 30, {3, 'a', 'b', 'c'});  // TXT
    Response r = parseResponse(w.b.data(), w.b.size());
    CPPUNIT_ASSERT(r.ok);
    CPPUNIT_ASSERT(r.records.empty());
  }
  void refusesEveryMalformedMessage() {
    Wire query;
    query.header(0x0100, 1, 0);  // a query, not a response
    query.question("x", 1);
    CPPUNIT_ASSERT(!parseResponse(query.b.data(), query.b.size()).ok);
    CPPUNIT_ASSERT(!parseResponse(query.b.data(), 5).ok);
    Wire w;
    w.header(0x8180, 1, 1);
    w.question("app.internal", 1);
    w.rr(1, 30, {10, 0, 0, 7});
    for (size_t cut = 12; cut < w.b.size(); ++cut) {  // every truncation
      CPPUNIT_ASSERT_MESSAGE(std::to_string(cut), !parseResponse(w.b.data(), cut).ok);
    }
    Wire shortA;
    shortA.header(0x8180, 1, 1);
    shortA.question("app.internal", 1);
    shortA.rr(1, 30, {10, 0, 7});  // three bytes
    CPPUNIT_ASSERT(!parseResponse(shortA.b.data(), shortA.b.size()).ok);
    Wire badSrv;
    badSrv.header(0x8180, 1, 1);
    badSrv.question("_s._tcp.x", 33);
    badSrv.rr(33, 30, {0, 1, 0, 1, 0x1f});  // too short for priority, weight, port and a name
    CPPUNIT_ASSERT(!parseResponse(badSrv.b.data(), badSrv.b.size()).ok);
    Wire pastEnd;
    pastEnd.header(0x8180, 1, 1);
    pastEnd.question("x", 1);
    pastEnd.rr(1, 30, {});
    pastEnd.b[pastEnd.b.size() - 1] = 200;  // rdlength beyond the message
    CPPUNIT_ASSERT(!parseResponse(pastEnd.b.data(), pastEnd.b.size()).ok);
  }
  void aCompressionLoopEnds() {
    Wire w;
    w.header(0x8180, 1, 0);
    w.b.push_back(0xC0);  // the question's name points at itself
    w.b.push_back(12);
    w.u16(1);
    w.u16(1);
    Response r = parseResponse(w.b.data(), w.b.size());
    CPPUNIT_ASSERT(!r.ok);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(MessageTest, "dns");
