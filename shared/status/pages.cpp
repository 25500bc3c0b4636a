#include "shared/status/pages.h"

#include <cstdio>
#include <functional>
#include <map>

#include "shared/common/utf8.h"

namespace fleet::status {
namespace {

std::string num(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string ms(double micros) {
  return micros < 0 ? "&ndash;" : num(micros / 1000.0, micros < 10000 ? 2 : 1) + " ms";
}

std::string badge(const char* cls, const std::string& text) {
  return "<span class=\"b " + std::string(cls) + "\">" + htmlEscape(text) + "</span>";
}

std::string hidden(const char* name, const std::string& value) {
  return "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + htmlEscape(value) +
         "\">";
}

std::string actionForm(const PageOptions& o, const BalancerView& b, const MemberView& m,
                       const std::string& action, const std::string& label) {
  return "<form method=\"post\" action=\"" + htmlEscape(o.actionUrl) + "\">" +
         hidden("nonce", o.nonce) + hidden("b", b.name) + hidden("w", m.name) +
         hidden("action", action) + "<button type=\"submit\">" + htmlEscape(label) +
         "</button></form>";
}

std::string memberRow(const BalancerView& b, const MemberView& m, const PageOptions& o) {
  std::string state;
  if (m.disabled) {
    state += badge("bad", "disabled");
  }
  if (m.hcFailed) {
    state += badge("bad", "HC-fail");
  }
  if (m.ejected) {
    state += badge("bad", "ejected " + num(m.ejectedForMicros / 1e6) + "s");
  }
  if (m.drained) {
    state += badge("warn", "drained");
  }
  if (m.slowStartPercent >= 0) {
    state += badge("warn", "slow start " + num(m.slowStartPercent) + "%");
  }
  if (state.empty()) {
    state = m.usable ? badge("ok", "usable") : badge("bad", "unusable");
  }
  std::string health = "&ndash;";
  if (m.health.checked) {
    health = htmlEscape(m.health.method) + " every " + num(m.health.intervalMicros / 1e6, 1) +
             "s: " +
             (m.health.checks == 0 ? std::string("not checked yet")
                                   : (m.health.lastPassed ? badge("ok", m.health.reason)
                                                          : badge("bad", m.health.reason)) +
                                         " " + ms(static_cast<double>(m.health.lastLatencyMicros)));
    std::string hist;
    for (char c : m.health.history) {
      hist += c == '+' ? "<i class=\"p\"></i>" : "<i class=\"f\"></i>";
    }
    if (!hist.empty()) {
      health += "<div class=\"hist\" title=\"last checks, oldest first\">" + hist + "</div>";
    }
  }
  std::string cert = m.health.certDaysLeft < 0 ? "&ndash;" : num(m.health.certDaysLeft) + " d";
  std::string source =
      m.discoveredAgoMicros < 0
          ? std::string()
          : " " + badge("warn", "DNS, " + num(m.discoveredAgoMicros / 1e6) + " s ago");
  std::string standby = m.lbset == 0 ? std::string() : " " + badge("warn", "lbset " + num(m.lbset));
  std::string row = "<tr><td class=\"name\">" + htmlEscape(m.route.empty() ? m.name : m.route) +
                    source + standby + "<div class=\"sub\">" + htmlEscape(m.name) +
                    "</div></td><td>" + state + "</td><td>" + num(m.weight / 100.0, 2) +
                    "</td><td>" + std::to_string(m.inflight) + "</td><td>" +
                    std::to_string(m.requests) + "</td><td>" + std::to_string(m.failures) +
                    "</td><td>" + ms(m.latencyMicros) + "</td><td class=\"health\">" + health +
                    "</td><td>" + cert + "</td>";
  if (o.actions) {
    row +=
        "<td class=\"act\">" +
        actionForm(o, b, m, m.drained ? "undrain" : "drain", m.drained ? "Undrain" : "Drain") +
        actionForm(o, b, m, m.disabled ? "enable" : "disable", m.disabled ? "Enable" : "Disable") +
        (m.ejected ? actionForm(o, b, m, "reset", "Reset ejection") : std::string()) +
        "<form method=\"post\" action=\"" + htmlEscape(o.actionUrl) + "\">" +
        hidden("nonce", o.nonce) + hidden("b", b.name) + hidden("w", m.name) +
        hidden("action", "weight") + "<input name=\"value\" size=\"3\" value=\"" +
        num(m.weight / 100.0, 0) +
        "\" aria-label=\"weight\"><button type=\"submit\">Set weight</button></form></td>";
  }
  return row + "</tr>\n";
}

const char* kStyle =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1em auto;max-width:1200px;padding:0 "
    "1em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}table{border-collapse:collapse;width:"
    "100%}"
    "th,td{border-bottom:1px solid #ddd;padding:.3em .4em;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4;font-weight:600}.sub{color:#777;font-size:.85em;word-break:break-all}"
    ".b{display:inline-block;border-radius:3px;padding:0 .4em;margin:0 .2em .2em 0;font-size:.85em}"
    ".ok{background:#d9f2dd}.bad{background:#f8d4d4}.warn{background:#fbeec8}"
    ".hist i{display:inline-block;width:5px;height:10px;margin-right:1px}.hist "
    ".p{background:#4caf50}"
    ".hist .f{background:#e53935}.act form{display:inline-block;margin:0 .2em .2em 0}"
    ".notice{background:#eef;padding:.4em}.meta{color:#555}dl.kv{display:flex;flex-wrap:wrap;gap:."
    "2em 1.5em}"
    "dl.kv dt{font-weight:600}dl.kv dd{margin:0}";

}  // namespace

std::string htmlEscape(const std::string& text) {
  std::string out;
  for (char c : common::validUtf8(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string renderBalancerTables(const std::vector<BalancerView>& balancers, const PageOptions& o) {
  std::string h;
  for (const BalancerView& b : balancers) {
    h += "<h2>" + htmlEscape(b.name) + " <span class=\"sub\">lbmethod=" + htmlEscape(b.lbmethod) +
         (b.settings.empty() ? "" : "; " + htmlEscape(b.settings)) + "</span></h2>\n";
    const ResilienceView& v = b.resilience;
    if (v.retries + v.budgetRefusals + v.queued + v.queueFull + v.queueDepth > 0) {
      h += "<p class=\"meta resilience\">" + std::to_string(v.retries) + " retries, " +
           std::to_string(v.budgetRefusals) +
           " refused by the retry budget; queue: " + std::to_string(v.queueDepth) +
           " waiting now, " + std::to_string(v.queued) + " waited, " + std::to_string(v.queueFull) +
           " refused when full, " + std::to_string(v.queueTimeouts) + " timed out</p>\n";
    }
    h += "<table class=\"members\"><thead><tr><th>Member</th><th>State</th><th>Weight</th><th>In "
         "flight</th>"
         "<th>Requests</th><th>Errors</th><th>Latency (EWMA)</th><th>Health "
         "check</th><th>Cert</th>" +
         std::string(o.actions ? "<th>Actions</th>" : "") + "</tr></thead><tbody>\n";
    for (const MemberView& m : b.members) {
      h += memberRow(b, m, o);
    }
    h += "</tbody></table>\n";
  }
  return h;
}

std::string renderHtml(const std::vector<BalancerView>& balancers, const CheckerView* checker,
                       const CacheView* cache, const PageOptions& o) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  if (o.refreshSeconds > 0) {
    h += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(o.refreshSeconds) + "\">";
  }
  h += "<title>mod_fleet status</title><style>" + std::string(kStyle) + "</style></head><body>\n";
  h += "<h1>mod_fleet status</h1>\n<p class=\"meta\">Also as <a href=\"?format=json\">JSON</a> and "
       "<a href=\"?format=prometheus\">Prometheus</a>; " +
       (o.refreshSeconds > 0 ? std::string("refreshing every ") + std::to_string(o.refreshSeconds) +
                                   " s "
                                   "(<a href=\"?\">stop</a>)"
                             : std::string("<a href=\"?refresh=5\">refresh every 5 s</a>")) +
       ".</p>\n";
  if (!o.notice.empty()) {
    h += "<p class=\"notice\" id=\"notice\">" + htmlEscape(o.notice) + "</p>\n";
  }
  if (checker != nullptr) {
    h += "<p id=\"checker\">Health checks run in child <b>" +
         (checker->pid ? std::to_string(checker->pid) : std::string("(none)")) +
         "</b> (generation " + std::to_string(checker->generation) + ", " +
         std::to_string(checker->members) + " members, " + std::to_string(checker->probes) +
         " checks, " + std::to_string(checker->takeovers) + " takeovers).</p>\n";
  }
  h += renderBalancerTables(balancers, o);
  if (cache != nullptr) {
    uint64_t lookups = cache->hits + cache->misses;
    h +=
        "<h2>Cache</h2>\n<dl class=\"kv\" id=\"cache\"><dt>hit ratio</dt><dd>" +
        (lookups ? num(100.0 * static_cast<double>(cache->hits) / static_cast<double>(lookups), 1) +
                       " %"
                 : std::string("&ndash;")) +
        "</dd><dt>hits</dt><dd>" + std::to_string(cache->hits) + "</dd><dt>misses</dt><dd>" +
        std::to_string(cache->misses) + "</dd><dt>stale served</dt><dd>" +
        std::to_string(cache->staleServed) + "</dd><dt>revalidated</dt><dd>" +
        std::to_string(cache->revalidated) + "</dd><dt>coalesced</dt><dd>" +
        std::to_string(cache->coalesced) + "</dd><dt>stores</dt><dd>" +
        std::to_string(cache->stores) + "</dd><dt>store failures</dt><dd>" +
        std::to_string(cache->storeFailures) + "</dd><dt>bytes stored</dt><dd>" +
        std::to_string(cache->bytesStored) + "</dd><dt>bytes served</dt><dd>" +
        std::to_string(cache->bytesServed) + "</dd><dt>purges</dt><dd>" +
        std::to_string(cache->purges) + "</dd><dt>uncacheable</dt><dd>" +
        std::to_string(cache->uncacheable) + "</dd><dt>hit-for-miss</dt><dd>" +
        std::to_string(cache->hitForMiss) + "</dd></dl>\n";
    h += "<table "
         "class=\"servers\"><thead><tr><th>memcached</th><th>State</th><th>Operations</"
         "th><th>Errors</th>"
         "<th>Last latency</th></tr></thead><tbody>\n";
    for (const CacheServerView& s : cache->servers) {
      h += "<tr><td>" + htmlEscape(s.name) + "</td><td>" +
           (s.up ? badge("ok", "up") : badge("bad", "down")) + "</td><td>" + std::to_string(s.ops) +
           "</td><td>" + std::to_string(s.errors) + "</td><td>" +
           ms(static_cast<double>(s.latencyMicros)) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
    if (o.actions) {
      h += "<form method=\"post\" action=\"" + htmlEscape(o.actionUrl) + "\">" +
           hidden("nonce", o.nonce) + hidden("action", "purge") +
           "<label>Purge URL or tag: <input name=\"value\" size=\"50\" "
           "placeholder=\"/path?query or tag:name\"></label> <button "
           "type=\"submit\">Purge</button></form>\n";
    }
  }
  return h + "</body></html>\n";
}

std::string promLabel(const std::string& text) {
  std::string out;
  for (char c : common::validUtf8(text)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace fleet::status
