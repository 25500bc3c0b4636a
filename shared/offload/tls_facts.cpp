#include "shared/offload/tls_facts.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>
#include <cstring>

#include "shared/common/headers.h"
#include "shared/common/parse.h"

namespace fleet::offload {
namespace {

const FactInfo kFacts[kFactCount] = {
    {"proto", "X-Forwarded-Proto"},
    {"port", "X-Forwarded-Port"},
    {"forwarded", "Forwarded"},
    {"client-verify", "X-SSL-Client-Verify"},
    {"client-subject", "X-SSL-Client-S-DN"},
    {"client-issuer", "X-SSL-Client-I-DN"},
    {"client-serial", "X-SSL-Client-Serial"},
    {"client-not-after", "X-SSL-Client-Not-After"},
    {"client-sha256", "X-SSL-Client-SHA256"},
    {"client-cert", "Client-Cert"},
    {"client-cert-chain", nullptr},
    {"tls-protocol", nullptr},
    {"tls-cipher", nullptr},
    {"tls-sni", nullptr},
};

bool validHeaderName(std::string_view n) {
  if (n.empty() || n.size() > 64) {
    return false;
  }
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

std::string factKeys() {
  std::string out;
  for (const FactInfo& f : kFacts) {
    out += (out.empty() ? "" : ", ") + std::string(f.key);
  }
  return out;
}

}  // namespace

const FactInfo& factInfo(Fact f) { return kFacts[static_cast<size_t>(f)]; }

HeaderNames HeaderNames::defaults() {
  HeaderNames h;
  for (size_t i = 0; i < kFactCount; ++i) {
    h.names_[i] = kFacts[i].defaultHeader != nullptr ? kFacts[i].defaultHeader : "";
  }
  h.rebuildStripList();
  return h;
}

common::Status HeaderNames::set(std::string_view fact, std::string_view header) {
  std::string key = common::toLower(fact);
  for (size_t i = 0; i < kFactCount; ++i) {
    if (key != kFacts[i].key) {
      continue;
    }
    std::string h = common::toLower(header);
    if (h == "off" || h == "none") {
      names_[i].clear();
      rebuildStripList();
      return common::Status::ok();
    }
    if (!validHeaderName(header)) {
      return common::Status(common::Code::kInvalidArgument,
                            "header name '" + std::string(header) +
                                "' is not valid; accepted: "
                                "letters, digits, '-' and '_' (at most 64), or off");
    }
    names_[i] = std::string(header);
    rebuildStripList();
    return common::Status::ok();
  }
  return common::Status(common::Code::kInvalidArgument,
                        "'" + std::string(fact) + "' is not a TLS fact; accepted: " + factKeys());
}

void HeaderNames::rebuildStripList() {
  std::vector<std::string>& out = strip_;
  out.clear();
  for (size_t i = 0; i < kFactCount; ++i) {
    if (!names_[i].empty()) {
      out.push_back(names_[i]);
    }
    if (kFacts[i].defaultHeader != nullptr && names_[i] != kFacts[i].defaultHeader) {
      out.push_back(kFacts[i].defaultHeader);
    }
  }
  // The optional facts' usual names, so a client cannot pre-set them either.
  for (const char* n : {"Client-Cert-Chain", "X-SSL-Protocol", "X-SSL-Cipher", "X-SSL-SNI"}) {
    out.push_back(n);
  }
  folded_.clear();
  for (const std::string& n : out) {
    folded_.push_back(common::foldedFieldName(n));
  }
}

common::Result<std::string> pemToDer(std::string_view pem) {
  static const char kBegin[] = "-----BEGIN CERTIFICATE-----";
  static const char kEnd[] = "-----END CERTIFICATE-----";
  size_t b = pem.find(kBegin);
  size_t e = pem.find(kEnd);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) {
    return common::Status(common::Code::kInvalidArgument, "not a PEM certificate");
  }
  std::string b64;
  for (char c : pem.substr(b + sizeof kBegin - 1, e - b - (sizeof kBegin - 1))) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      b64 += c;
    }
  }
  if (b64.empty() || b64.size() % 4 != 0) {
    return common::Status(common::Code::kInvalidArgument, "bad base64 in PEM certificate");
  }
  std::string der(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) {
    return common::Status(common::Code::kInvalidArgument, "bad base64 in PEM certificate");
  }
  size_t pad = (b64[b64.size() - 1] == '=') + (b64[b64.size() - 2] == '=');
  der.resize(static_cast<size_t>(n) - pad);
  return der;
}

std::string sha256Hex(std::string_view der) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(der.data()), der.size(), md);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : md) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string byteSequence(std::string_view der) {
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
  b64.resize(static_cast<size_t>(n));
  return ":" + b64 + ":";
}

}  // namespace fleet::offload
