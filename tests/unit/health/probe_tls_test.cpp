#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "shared/health/probe_engine.h"

using namespace fleet::health;

namespace {

// A self-signed certificate for "localhost", valid for `days`, and its key (made per test run).
struct TestCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string pemPath;
  explicit TestCert(int days) {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(days) * 86400 + 3600);
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
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(ProbeTlsTest, "health");
