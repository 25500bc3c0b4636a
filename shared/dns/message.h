// A DNS response read from the wire (RFC 1035 section 4, RFC 3596 AAAA, RFC 2782 SRV): the
// response code and the A, AAAA and SRV records of its answer section, with their TTLs. Every byte
// comes from a DNS server, so the reader checks every length and pointer (compression loops, names
// past the end, records longer than the message) and reports a malformed message rather than
// reading outside it. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fleet::dns {

enum class RecordType : uint16_t { kA = 1, kCname = 5, kAaaa = 28, kSrv = 33 };

struct Record {
  RecordType type = RecordType::kA;
  uint32_t ttl = 0;
  std::string address;  // A, AAAA: the address as text ("10.0.0.7", "2001:db8::7")
  uint16_t priority = 0, weight = 0, port = 0;  // SRV
  std::string target;                           // SRV: the host name, without the final dot
};

enum class Rcode { kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kRefused = 5 };

struct Response {
  bool ok = false;  // well formed (else `error` says why)
  std::string error;
  int rcode = 0;                // RFC 1035 RCODE
  bool truncated = false;       // TC bit
  std::vector<Record> records;  // A, AAAA and SRV answers, in message order (others skipped)
};

Response parseResponse(const uint8_t* data, size_t size);

}  // namespace fleet::dns
