#include "shared/health/http_probe.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace fleet::health;
using State = ResponseParser::State;

namespace {
// Feeds a response one byte at a time, as the slowest network would.
State feedBytewise(ResponseParser& p, const std::string& s) {
  State st = State::kNeedMore;
  for (char c : s) {
    st = p.feed(&c, 1);
  }
  return st;
}
}  // namespace

class HttpProbeTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpProbeTest);
  CPPUNIT_TEST(methodsLikeHcheck);
  CPPUNIT_TEST(requestsFor10And11);
  CPPUNIT_TEST(statusLists);
  CPPUNIT_TEST(contentLengthBodyBytewise);
  CPPUNIT_TEST(chunkedBody);
  CPPUNIT_TEST(bodyUntilClose);
  CPPUNIT_TEST(headAndNoBodyStatuses);
  CPPUNIT_TEST(bodyIsCapped);
  CPPUNIT_TEST(malformedAnswersAreErrors);
  CPPUNIT_TEST(earlyCloseIsAnError);
  CPPUNIT_TEST(reusableOnlyWhenTheMemberKeepsTheConnection);
  CPPUNIT_TEST(aHeadSplitAcrossReads);
  CPPUNIT_TEST(resetServesTheNextAnswer);
  CPPUNIT_TEST(framingWithoutKeepingHeaders);
  CPPUNIT_TEST_SUITE_END();

 public:
  void methodsLikeHcheck() {
    CPPUNIT_ASSERT(parseProbeMethod("GET").value().method == ProbeMethod::kGet);
    CPPUNIT_ASSERT(!parseProbeMethod("GET").value().http11);
    auto h11 = parseProbeMethod("head11").value();
    CPPUNIT_ASSERT(h11.method == ProbeMethod::kHead && h11.http11);
    CPPUNIT_ASSERT_EQUAL(std::string("HEAD11"), std::string(probeMethodName(h11)));
    CPPUNIT_ASSERT(parseProbeMethod("TCP").value().method == ProbeMethod::kTcp);
    for (const char* bad : {"TCP11", "PUT", "", "GET12", "CPING"}) {
      auto r = parseProbeMethod(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, !r.isOk());
      CPPUNIT_ASSERT(r.status().message().find("accepted: NONE, TCP") != std::string::npos);
    }
  }
  void requestsFor10And11() {
    ProbeSpec s = parseProbeMethod("GET").value();
    s.uri = "/health";
    CPPUNIT_ASSERT_EQUAL(
        std::string("GET /health HTTP/1.0\r\nUser-Agent: mod_fleet health check\r\n"
                    "Connection: close\r\n\r\n"),
        buildRequest(s));
    ProbeSpec o = parseProbeMethod("OPTIONS11").value();
    o.uri = "";
    o.host = "10.0.0.1:8080";
    CPPUNIT_ASSERT_EQUAL(std::string("OPTIONS / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: "
                                     "mod_fleet health check\r\nConnection: close\r\n\r\n"),
                         buildRequest(o));
  }
  void statusLists() {
    StatusList d = StatusList::defaults();
    CPPUNIT_ASSERT(d.contains(200) && d.contains(399) && !d.contains(400) && !d.contains(199));
    StatusList l = StatusList::parse("200, 204,301-302").value();
    CPPUNIT_ASSERT(l.contains(204) && l.contains(302) && !l.contains(203) && !l.contains(303));
    for (const char* bad : {"", "2xx", "399-200", "99", "600", "200,", "200-"}) {
      auto r = StatusList::parse(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, !r.isOk());
      CPPUNIT_ASSERT(r.status().message().find("from 100 to 599") != std::string::npos);
    }
  }
  void contentLengthBodyBytewise() {
    ResponseParser p(false);
    CPPUNIT_ASSERT(
        feedBytewise(p, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello") ==
        State::kDone);
    CPPUNIT_ASSERT_EQUAL(200, p.status());
    CPPUNIT_ASSERT_EQUAL(std::string("hello"), p.body());
    CPPUNIT_ASSERT_EQUAL(std::string("b"), p.header("x-a"));
    CPPUNIT_ASSERT_EQUAL(std::string("5"), p.header("CONTENT-LENGTH"));
  }
  void chunkedBody() {
    ResponseParser p(false);
    std::string r =
        "HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n"
        "0\r\n\r\n";
    CPPUNIT_ASSERT(feedBytewise(p, r) == State::kDone);
    CPPUNIT_ASSERT_EQUAL(503, p.status());
    CPPUNIT_ASSERT_EQUAL(std::string("wikipedia"), p.body());
  }
  void bodyUntilClose() {
    ResponseParser p(false);
    std::string r = "HTTP/1.0 200 OK\r\n\r\nall of it";
    CPPUNIT_ASSERT(p.feed(r.data(), r.size()) == State::kNeedMore);
    CPPUNIT_ASSERT(p.feed(nullptr, 0) == State::kDone);
    CPPUNIT_ASSERT_EQUAL(std::string("all of it"), p.body());
  }
  void headAndNoBodyStatuses() {
    ResponseParser h(true);
    std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    CPPUNIT_ASSERT(h.feed(r.data(), r.size()) == State::kDone);
    ResponseParser p(false);
    std::string r2 = "HTTP/1.1 204 No Content\r\n\r\n";
    CPPUNIT_ASSERT(p.feed(r2.data(), r2.size()) == State::kDone);
  }
  void bodyIsCapped() {
    ResponseParser p(false, 4);
    std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    CPPUNIT_ASSERT(p.feed(r.data(), r.size()) == State::kDone);
    CPPUNIT_ASSERT_EQUAL(std::string("0123"), p.body());
  }
  void malformedAnswersAreErrors() {
    for (std::string bad :
         {"SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
          "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
      ResponseParser p(false);
      CPPUNIT_ASSERT_MESSAGE(bad, p.feed(bad.data(), bad.size()) == State::kError);
      CPPUNIT_ASSERT(!p.error().empty());
    }
    ResponseParser huge(false, 8192, 64);
    std::string h = "HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a');
    CPPUNIT_ASSERT(huge.feed(h.data(), h.size()) == State::kError);
  }
  void earlyCloseIsAnError() {
    ResponseParser p(false);
    std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    p.feed(r.data(), r.size());
    CPPUNIT_ASSERT(p.feed(nullptr, 0) == State::kError);
    ResponseParser q(false);
    CPPUNIT_ASSERT(q.feed("HTTP/1.1 2", 10) == State::kNeedMore);
    CPPUNIT_ASSERT(q.feed(nullptr, 0) == State::kError);
    CPPUNIT_ASSERT(q.error().find("headers") != std::string::npos);
  }
  void reusableOnlyWhenTheMemberKeepsTheConnection() {
    auto reusable = [](const std::string& answer, bool head = false) {
      ResponseParser p(head);
      p.feed(answer.data(), answer.size());
      return p.reusable();
    };
    CPPUNIT_ASSERT(reusable("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    CPPUNIT_ASSERT(
        !reusable("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"));
    CPPUNIT_ASSERT(reusable("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true));
    CPPUNIT_ASSERT(
        !reusable("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
    CPPUNIT_ASSERT(!reusable("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    CPPUNIT_ASSERT(
        reusable("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"));
    CPPUNIT_ASSERT(!reusable("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok"));  // incomplete
    CPPUNIT_ASSERT(
        !reusable("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"));  // unasked bytes
    CPPUNIT_ASSERT(buildRequest(ProbeSpec{ProbeMethod::kGet, true, "/", "h"}, true)
                       .find("Connection: keep-alive\r\n") != std::string::npos);
  }
  void aHeadSplitAcrossReads() {
    // The blank line split over two reads, the body and unasked bytes in the second.
    ResponseParser p(false);
    std::string a = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r";
    std::string b = "\nokEXTRA";
    CPPUNIT_ASSERT(p.feed(a.data(), a.size()) == State::kNeedMore);
    CPPUNIT_ASSERT(!p.headersDone());
    CPPUNIT_ASSERT(p.feed(b.data(), b.size()) == State::kDone);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), p.body());
    CPPUNIT_ASSERT_EQUAL(std::string("b"), p.header("X-A"));
    CPPUNIT_ASSERT(!p.reusable());
  }
  void resetServesTheNextAnswer() {
    ResponseParser p(false);
    std::string first = "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy";
    CPPUNIT_ASSERT(p.feed(first.data(), first.size()) == State::kDone);
    CPPUNIT_ASSERT(!p.reusable());
    p.reset(true, 8192);  // the next check is a HEAD
    CPPUNIT_ASSERT(p.state() == State::kNeedMore);
    CPPUNIT_ASSERT_EQUAL(0, p.status());
    CPPUNIT_ASSERT(p.body().empty() && p.headers().empty() && !p.headersDone());
    std::string second = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    CPPUNIT_ASSERT(p.feed(second.data(), second.size()) == State::kDone);
    CPPUNIT_ASSERT_EQUAL(200, p.status());
    CPPUNIT_ASSERT(p.reusable());
  }
  void framingWithoutKeepingHeaders() {
    // Without an expression nothing is kept of the headers, but they still frame the answer.
    ResponseParser p(false);
    p.reset(false, 8192, /*keepHeaders=*/false);
    std::string r =
        "HTTP/1.0 200 OK\r\nX-A: b\r\ncontent-LENGTH: 2\r\nConnection: x, Keep-Alive\r\n"
        "Content-Length: 99\r\n\r\nok";
    CPPUNIT_ASSERT(p.feed(r.data(), r.size()) == State::kDone);  // the first Content-Length
    CPPUNIT_ASSERT(p.headers().empty());
    CPPUNIT_ASSERT_EQUAL(std::string(""), p.header("x-a"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), p.body());
    CPPUNIT_ASSERT(p.reusable());
    p.reset(false, 8192, false);
    std::string chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    CPPUNIT_ASSERT(p.feed(chunked.data(), chunked.size()) == State::kDone);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), p.body());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(HttpProbeTest, "health");
