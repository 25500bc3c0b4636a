#include "shared/offload/tls_facts.h"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>

using namespace fleet::offload;

namespace {
// PEM-armoured bytes shaped like a certificate (only the encodings are tested here; the
// integration tests use real certificates).
const char kPem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBNzCB3qADAgECAgEBMAoGCCqGSM49BAMCMBAxDjAMBgNVBAMMBWZsZWV0MB4X\n"
    "DTI2MDEwMTAwMDAwMFoXDTI3MDEwMTAwMDAwMFowEDEOMAwGA1UEAwwFZmxlZXQw\n"
    "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ0GeE0dfCq6CRkM2jSxrdqcGzoRbdd\n"
    "NW6R6wRhK8ufRa6mMTr6hd3aYqWHBovrbDEKmJ6dMTWawBDXy3uNVeYzoyMwITAf\n"
    "BgNVHREEGDAWggVmbGVldIINZmxlZXQuZXhhbXBsZTAKBggqhkjOPQQDAgNIADBF\n"
    "AiEAsI0kM2C3f4Sr+Jf8yTjv1pKxWkYgVx7V5OBzG3Xx3FMCIBB2p7kz9Rr3kJ3F\n"
    "YV3m+5mGcGdLz3mNk1m4Xp0QJ1Ok\n"
    "-----END CERTIFICATE-----\n";
}  // namespace

class TlsFactsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TlsFactsTest);
  CPPUNIT_TEST(defaultNamesAndOptionalFactsOff);
  CPPUNIT_TEST(renamingAndTurningOff);
  CPPUNIT_TEST(badNamesSayWhatIsAccepted);
  CPPUNIT_TEST(stripListCoversConfiguredAndDefaultNames);
  CPPUNIT_TEST(pemDecodesAndEncodesBack);
  CPPUNIT_TEST(sha256OfKnownInput);
  CPPUNIT_TEST(notPemIsAnError);
  CPPUNIT_TEST_SUITE_END();

 public:
  void defaultNamesAndOptionalFactsOff() {
    HeaderNames h = HeaderNames::defaults();
    CPPUNIT_ASSERT_EQUAL(std::string("X-Forwarded-Proto"), h.name(Fact::kProto));
    CPPUNIT_ASSERT_EQUAL(std::string("Client-Cert"), h.name(Fact::kClientCert));
    CPPUNIT_ASSERT_EQUAL(std::string(""), h.name(Fact::kClientCertChain));
    CPPUNIT_ASSERT_EQUAL(std::string(""), h.name(Fact::kTlsSni));
  }
  void renamingAndTurningOff() {
    HeaderNames h = HeaderNames::defaults();
    CPPUNIT_ASSERT(h.set("client-verify", "X-Client-Verify").isOk());
    CPPUNIT_ASSERT(h.set("TLS-Protocol", "X-TLS-Version").isOk());
    CPPUNIT_ASSERT(h.set("client-cert", "off").isOk());
    CPPUNIT_ASSERT_EQUAL(std::string("X-Client-Verify"), h.name(Fact::kClientVerify));
    CPPUNIT_ASSERT_EQUAL(std::string("X-TLS-Version"), h.name(Fact::kTlsProtocol));
    CPPUNIT_ASSERT_EQUAL(std::string(""), h.name(Fact::kClientCert));
  }
  void badNamesSayWhatIsAccepted() {
    HeaderNames h = HeaderNames::defaults();
    fleet::common::Status s = h.set("client-verfy", "X");
    CPPUNIT_ASSERT(!s.isOk());
    CPPUNIT_ASSERT(s.message().find("'client-verfy' is not a TLS fact; accepted: proto, port") ==
                   0);
    s = h.set("proto", "Bad Header");
    CPPUNIT_ASSERT(s.message().find("header name 'Bad Header' is not valid") == 0);
  }
  void stripListCoversConfiguredAndDefaultNames() {
    HeaderNames h = HeaderNames::defaults();
    h.set("client-verify", "X-Client-Verify");
    h.set("client-cert", "off");
    std::vector<std::string> l = h.stripList();
    for (const char* n : {"X-Client-Verify", "X-SSL-Client-Verify", "Client-Cert", "Forwarded",
                          "X-Forwarded-Proto", "Client-Cert-Chain", "X-SSL-SNI"}) {
      CPPUNIT_ASSERT_MESSAGE(n, std::find(l.begin(), l.end(), n) != l.end());
    }
  }
  void pemDecodesAndEncodesBack() {
    auto der = pemToDer(kPem);
    CPPUNIT_ASSERT(der.isOk());
    CPPUNIT_ASSERT_EQUAL('\x30', der.value()[0]);           // an ASN.1 SEQUENCE
    CPPUNIT_ASSERT_EQUAL(size_t(309), der.value().size());  // 412 base64 characters, none padding
    std::string seq = byteSequence(der.value());
    CPPUNIT_ASSERT(seq.front() == ':' && seq.back() == ':');
    // The byte sequence is the PEM body without line breaks.
    std::string body(kPem);
    body = body.substr(body.find('\n') + 1);
    body = body.substr(0, body.find("-----END"));
    body.erase(std::remove(body.begin(), body.end(), '\n'), body.end());
    CPPUNIT_ASSERT_EQUAL(":" + body + ":", seq);
  }
  void sha256OfKnownInput() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        sha256Hex("abc"));
  }
  void notPemIsAnError() {
    CPPUNIT_ASSERT(!pemToDer("").isOk());
    CPPUNIT_ASSERT(
        !pemToDer("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----").isOk());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(TlsFactsTest, "offload");
