#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "shared/health/probe_engine.h"

using namespace fleet::health;

namespace {

// A self-signed certificate for "localhost", valid for `days` (and `extraSeconds`), and its key
// (made per test run).
struct TestCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string pemPath;
  explicit TestCert(int days, long extraSeconds = 3600) {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(days) * 86400 + extraSeconds);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
    char tmpl[] = "/tmp/fleet-test-ca-XXXXXX";
    int fd = mkstemp(tmpl);
    FILE* f = fdopen(fd, "w");
    PEM_write_X509(f, cert);
    fclose(f);
    pemPath = tmpl;
  }
  ~TestCert() {
    unlink(pemPath.c_str());
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

// A TLS member that answers one connection with `answer`, in its own thread (blocking I/O).
struct TlsMember {
  int fd = -1, port = 0;
  std::thread thread;
  TlsMember(const TestCert& c, std::string answer) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 4);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, c.cert);
    SSL_CTX_use_PrivateKey(ctx, c.key);
    thread = std::thread([this, ctx, answer] {
      int conn = accept(fd, nullptr, nullptr);
      SSL* ssl = SSL_new(ctx);
      SSL_set_fd(ssl, conn);
      if (SSL_accept(ssl) == 1) {
        char buf[4096];
        std::string req;
        while (req.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) {
            break;
          }
          req.append(buf, static_cast<size_t>(n));
        }
        SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      close(conn);
      SSL_CTX_free(ctx);
    });
  }
  ~TlsMember() {
    thread.join();
    close(fd);
  }
};

// A TLS member that serves connections one after the other until it is destroyed: each for as
// many requests as the client sends, or for one (`closeEach`: answered with Connection: close).
// It counts the connections it accepted and the handshakes that resumed a session.
struct ServingTlsMember {
  int fd = -1, port = 0;
  SSL_CTX* ctx = nullptr;
  std::atomic<int> accepted{0}, resumed{0};
  std::thread thread;
  ServingTlsMember(const TestCert& c, bool closeEach) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 4);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, c.cert);
    SSL_CTX_use_PrivateKey(ctx, c.key);
    std::string answer = closeEach
                             ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                             : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    thread = std::thread([this, answer, closeEach] {
      for (;;) {
        int conn = accept(fd, nullptr, nullptr);
        if (conn < 0) {
          return;  // shut down
        }
        ++accepted;
        SSL* ssl = SSL_new(ctx);
        SSL_set_fd(ssl, conn);
        if (SSL_accept(ssl) == 1) {
          resumed += SSL_session_reused(ssl) ? 1 : 0;
          for (bool open = true; open;) {
            std::string req;
            char buf[4096];
            while (open && req.find("\r\n\r\n") == std::string::npos) {
              int n = SSL_read(ssl, buf, sizeof buf);
              open = n > 0;
              req.append(buf, open ? static_cast<size_t>(n) : 0);
            }
            if (open) {
              SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
              open = !closeEach;
            }
          }
          SSL_shutdown(ssl);
        }
        SSL_free(ssl);
        close(conn);
      }
    });
  }
  ~ServingTlsMember() {
    shutdown(fd, SHUT_RDWR);  // ends the accept; the engine has closed its side already
    thread.join();
    close(fd);
    SSL_CTX_free(ctx);
  }
};

ProbeTarget tlsTarget(int port, const std::string& ca, bool reuse) {
  ProbeTarget t;
  std::string why;
  resolveTarget("127.0.0.1", port, &t, &why);
  t.spec = parseProbeMethod("GET11").value();
  t.spec.uri = "/health";
  t.spec.host = "localhost";
  t.tls = true;
  t.sni = "localhost";
  t.caFile = ca;
  t.reuse = reuse;
  return t;
}

// One check of `id` with `e` at `now` (I/O waits are real; the clock stands still).
ProbeResult checkWith(ProbeEngine& e, size_t id, const ProbeTarget& t, int64_t now) {
  e.start(id, t, now);
  for (int i = 0; i < 500; ++i) {
    auto out = e.step(now, 10);
    if (!out.empty()) {
      return out[0].second;
    }
  }
  ProbeResult none;
  none.reason = "no result";
  return none;
}

constexpr int64_t kSec = 1000000;

ProbeResult check(int port, const char* method, const std::string& sni, bool verify,
                  const std::string& ca) {
  ProbeTarget t;
  std::string why;
  resolveTarget("127.0.0.1", port, &t, &why);
  t.spec = parseProbeMethod(method).value();
  t.spec.uri = "/health";
  t.spec.host = sni;
  t.tls = true;
  t.sni = sni;
  t.verify = verify;
  t.caFile = ca;
  ProbeEngine e;
  e.start(1, t, 0);
  for (int i = 0; i < 500; ++i) {
    auto out = e.step(0, 10);
    if (!out.empty()) {
      return out[0].second;
    }
  }
  ProbeResult none;
  none.reason = "no result";
  return none;
}

const char* kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

}  // namespace

class ProbeTlsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ProbeTlsTest);
  CPPUNIT_TEST(verifiedHttpsCheckPassesAndReportsExpiry);
  CPPUNIT_TEST(wrongNameFailsVerification);
  CPPUNIT_TEST(untrustedCertificateFails);
  CPPUNIT_TEST(verifyOffAcceptsIt);
  CPPUNIT_TEST(tlsHandshakeAloneForTcpMethod);
  CPPUNIT_TEST(reuseKeepsTheTlsConnection);
  CPPUNIT_TEST(aNewConnectionResumesTheSession);
  CPPUNIT_TEST(withoutReuseEveryCheckHandshakesInFull);
  CPPUNIT_TEST(aFullHandshakeAtLeastEveryTenMinutes);
  CPPUNIT_TEST(anExpiredCertificateEndsTheReuse);
  CPPUNIT_TEST_SUITE_END();

 public:
  void verifiedHttpsCheckPassesAndReportsExpiry() {
    TestCert cert(30);
    TlsMember m(cert, kOk);
    ProbeResult r = check(m.port, "GET11", "localhost", true, cert.pemPath);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), r.body);
    CPPUNIT_ASSERT_EQUAL(30, r.certDaysLeft);
  }
  void wrongNameFailsVerification() {
    TestCert cert(30);
    TlsMember m(cert, kOk);
    ProbeResult r = check(m.port, "GET11", "other.example", true, cert.pemPath);
    CPPUNIT_ASSERT(!r.passed);
    CPPUNIT_ASSERT_EQUAL(std::string("certificate: hostname mismatch"), r.reason);
  }
  void untrustedCertificateFails() {
    TestCert cert(30), other(30);
    TlsMember m(cert, kOk);
    ProbeResult r = check(m.port, "GET11", "localhost", true, other.pemPath);  // another CA
    CPPUNIT_ASSERT(!r.passed);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.reason.rfind("certificate: ", 0) == 0);
  }
  void verifyOffAcceptsIt() {
    TestCert cert(30), other(30);
    TlsMember m(cert, kOk);
    ProbeResult r = check(m.port, "GET", "other.example", false, other.pemPath);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
  }
  void tlsHandshakeAloneForTcpMethod() {
    TestCert cert(3);
    TlsMember m(cert, "");
    ProbeResult r = check(m.port, "TCP", "localhost", true, cert.pemPath);
    CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    CPPUNIT_ASSERT_EQUAL(3, r.certDaysLeft);
  }
  void reuseKeepsTheTlsConnection() {
    TestCert cert(30);
    ServingTlsMember m(cert, false);
    ProbeEngine e;
    for (int i = 0; i < 3; ++i) {
      ProbeResult r = checkWith(e, 1, tlsTarget(m.port, cert.pemPath, true), i * kSec);
      CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
      CPPUNIT_ASSERT_EQUAL(30, r.certDaysLeft);  // also from the kept connection
    }
    CPPUNIT_ASSERT_EQUAL(1, m.accepted.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), e.counters().connects);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), e.counters().fullHandshakes);
    CPPUNIT_ASSERT_EQUAL(size_t(1), e.idle());
  }
  void aNewConnectionResumesTheSession() {
    TestCert cert(30);
    ServingTlsMember m(cert, true);  // closes after every answer
    ProbeEngine e;
    for (int i = 0; i < 3; ++i) {
      ProbeResult r = checkWith(e, 1, tlsTarget(m.port, cert.pemPath, true), i * kSec);
      CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
      CPPUNIT_ASSERT_EQUAL(30, r.certDaysLeft);  // a resumed session still knows the certificate
    }
    CPPUNIT_ASSERT_EQUAL(3, m.accepted.load());
    CPPUNIT_ASSERT_EQUAL(2, m.resumed.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), e.counters().fullHandshakes);
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), e.counters().resumedHandshakes);
  }
  void withoutReuseEveryCheckHandshakesInFull() {
    TestCert cert(30);
    ServingTlsMember m(cert, false);
    ProbeEngine e;
    for (int i = 0; i < 2; ++i) {
      ProbeResult r = checkWith(e, 1, tlsTarget(m.port, cert.pemPath, false), i * kSec);
      CPPUNIT_ASSERT_MESSAGE(r.reason, r.passed);
    }
    CPPUNIT_ASSERT_EQUAL(2, m.accepted.load());
    CPPUNIT_ASSERT_EQUAL(0, m.resumed.load());
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), e.counters().fullHandshakes);
  }
  void aFullHandshakeAtLeastEveryTenMinutes() {
    TestCert cert(30);
    ServingTlsMember m(cert, false);
    ProbeEngine e;
    ProbeTarget t = tlsTarget(m.port, cert.pemPath, true);
    CPPUNIT_ASSERT(checkWith(e, 1, t, 0).passed);
    CPPUNIT_ASSERT(checkWith(e, 1, t, kTlsReverifyMicros - 1).passed);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), e.counters().fullHandshakes);
    CPPUNIT_ASSERT(checkWith(e, 1, t, kTlsReverifyMicros).passed);  // verified again
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), e.counters().fullHandshakes);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), e.counters().resumedHandshakes);
    CPPUNIT_ASSERT_EQUAL(2, m.accepted.load());
  }
  void anExpiredCertificateEndsTheReuse() {
    TestCert cert(0, 1);  // valid for one more second
    ServingTlsMember m(cert, false);
    ProbeEngine e;
    ProbeTarget t = tlsTarget(m.port, cert.pemPath, true);
    ProbeResult first = checkWith(e, 1, t, 0);
    CPPUNIT_ASSERT_MESSAGE(first.reason, first.passed);
    usleep(2100000);  // the certificate's end passes on the wall clock
    ProbeResult r = checkWith(e, 1, t, 10);
    CPPUNIT_ASSERT(!r.passed);  // as without hcreuse: a new connection, verified, and refused
    CPPUNIT_ASSERT_EQUAL(std::string("certificate: certificate has expired"), r.reason);
    CPPUNIT_ASSERT_EQUAL(2, m.accepted.load());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ProbeTlsTest, "health");
