// The TLS facts mod_fleet forwards to members, each under a configurable header name
// (FleetForwardTLSHeader <fact> <Header-Name>|off), and their encodings: the client certificate
// as RFC 9440 Client-Cert / Client-Cert-Chain byte sequences, its SHA-256 fingerprint.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/status.h"

namespace fleet::offload {

enum class Fact : size_t {
  kProto,            // X-Forwarded-Proto: https | http
  kPort,             // X-Forwarded-Port: the port the client connected to
  kForwarded,        // Forwarded (RFC 7239): for=, proto=, host=
  kClientVerify,     // SUCCESS, GENEROUS, FAILED:<reason> (only with a client certificate)
  kClientSubject,    // subject DN (RFC 2253)
  kClientIssuer,     // issuer DN
  kClientSerial,     // serial number (hex)
  kClientNotAfter,   // validity end, e.g. "Dec 31 23:59:59 2027 GMT"
  kClientSha256,     // SHA-256 of the DER certificate, lower-case hex
  kClientCert,       // RFC 9440 Client-Cert
  kClientCertChain,  // RFC 9440 Client-Cert-Chain (off by default)
  kTlsProtocol,      // e.g. TLSv1.3 (off by default)
  kTlsCipher,        // e.g. TLS_AES_256_GCM_SHA384 (off by default)
  kTlsSni,           // the SNI name the client sent (off by default)
  kCount
};
constexpr size_t kFactCount = static_cast<size_t>(Fact::kCount);

struct FactInfo {
  const char* key;            // as written in FleetForwardTLSHeader, e.g. "client-verify"
  const char* defaultHeader;  // nullptr: not forwarded unless named
};
const FactInfo& factInfo(Fact f);

// The header name of each fact ("" = not forwarded).
class HeaderNames {
 public:
  static HeaderNames defaults();
  // FleetForwardTLSHeader <fact> <name|off>; the error names the fact or header and what is
  // accepted.
  common::Status set(std::string_view fact, std::string_view header);
  const std::string& name(Fact f) const { return names_[static_cast<size_t>(f)]; }
  // Every header a client must never be able to send to a member on its own: each fact's
  // configured name and its default name (worked out when the names are set, not per request).
  const std::vector<std::string>& stripList() const { return strip_; }
  // The same names as common::foldedFieldName spells them (to match '_' and '.' variants).
  const std::vector<std::string>& foldedStripList() const { return folded_; }

 private:
  void rebuildStripList();
  std::array<std::string, kFactCount> names_;
  std::vector<std::string> strip_, folded_;
};

// "-----BEGIN CERTIFICATE-----..." -> DER bytes; an error for anything else.
common::Result<std::string> pemToDer(std::string_view pem);
// Lower-case hex SHA-256 of `der`.
std::string sha256Hex(std::string_view der);
// RFC 8941 byte sequence: ":" base64(der) ":".
std::string byteSequence(std::string_view der);

}  // namespace fleet::offload
