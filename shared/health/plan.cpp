#include "shared/health/plan.h"

#include "shared/common/parse.h"

namespace fleet::health {

bool tlsScheme(const std::string& scheme) {
  std::string s = common::toLower(scheme);
  return s == "https" || s == "wss" || s == "h2";
}

std::string hostHeader(const MemberEndpoint& m) {
  std::string host = m.host.find(':') != std::string::npos ? "[" + m.host + "]" : m.host;
  bool tls = tlsScheme(m.scheme);
  bool defaultPort = m.port == 0 || (m.port == 80 && !tls) || (m.port == 443 && tls);
  return defaultPort ? host : host + ":" + std::to_string(m.port);
}

CheckTarget planCheck(uint64_t key, const MemberEndpoint& m, ProbeSpec method,
                      const CheckConfig& cfg) {
  CheckTarget t;
  t.key = key;
  method.uri = m.hcuri.empty() ? "/" : m.hcuri;
  method.host = !cfg.spec.host.empty() ? cfg.spec.host : hostHeader(m);
  t.probe.spec = method;
  t.probe.expect = cfg.expect;
  t.probe.timeoutMicros = cfg.timeoutMicros;
  t.probe.tls = tlsScheme(m.scheme);
  t.probe.sni = !cfg.sni.empty() ? cfg.sni : m.host;
  t.probe.verify = cfg.verify;
  t.probe.caFile = cfg.caFile;
  t.probe.reuse = cfg.reuse;
  t.probe.readBody = m.expression;
  t.schedule.intervalMicros =
      m.intervalMicros >= 100000 ? m.intervalMicros : CheckConfig().intervalMicros;
  t.schedule.changingIntervalMicros = cfg.fastIntervalMicros;
  t.schedule.jitterPercent = cfg.jitterPercent;
  return t;
}

}  // namespace fleet::health
