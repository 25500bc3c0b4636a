// What the status page reads from a browser (status/actions.*, status/page_access.*): the query
// string, the Cookie header, the Host header, Origin/Referer, and a form's fields into an action.
// Input: a query string, a Cookie header, a Host header, an Origin, then the form as the query
// syntax (action=drain&b=...&w=...&value=...).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "shared/common/parse.h"
#include "shared/status/actions.h"
#include "shared/status/page_access.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

// The form's fields, decoded as the page decodes a query (the glue gets them from httpd).
std::map<std::string, std::string> formOf(std::string_view form) {
  std::map<std::string, std::string> out;
  for (const char* k : {"action", "b", "w", "value", "nonce"}) {
    std::string v = fleet::status::queryValue(form, k);
    if (!v.empty()) {
      out[k] = v;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::status;
  fleet::fuzz::Input in(data, size);
  std::string_view query = in.line(), cookie = in.line(), host = in.line(), origin = in.line();
  std::string_view form = in.rest();

  for (const char* key : {"format", "notice", "refresh", ""}) {
    std::string v = queryValue(query, key);
    FUZZ_CHECK(v.size() <= query.size());
  }
  std::string token = tokenCookie(cookie);
  FUZZ_CHECK(token.empty() || token.size() == 32);
  FUZZ_CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  if (!token.empty()) {
    std::string t = actionToken("secret", "scope", token);
    FUZZ_CHECK(t.size() == 64 && actionTokenMatches("secret", "scope", token, t));
  }
  FUZZ_CHECK(!actionTokenMatches("secret", "scope", token, std::string(cookie)) ||
             actionToken("secret", "scope", token) == cookie);
  FUZZ_CHECK(!nonceMatches("", query));

  const std::vector<std::string> names = {"status.example.com", "*.example.org", "h?st",
                                          std::string(origin)};
  (void)hostAllowed(host, names, "127.0.0.1");
  (void)hostAllowed(host, names, "::1");
  if (hostAllowed(host, {"status.example.com"}, "10.0.0.1")) {
    // Only no Host, the name (any case, a port, a final dot) or the local address.
    std::string h = fleet::common::toLower(fleet::common::trimSpaces(host));
    if (!h.empty() && h[0] == '[') {
      h.erase(0, 1);
    }
    FUZZ_CHECK(h.empty() || h.rfind("status.example.com", 0) == 0 || h.rfind("10.0.0.1", 0) == 0);
  }
  (void)sameOrigin("http://status.example.com", origin, query);
  (void)sameOrigin("http://status.example.com", std::nullopt, query);

  std::string redirect = actionRedirect(query, form);
  FUZZ_CHECK(!redirect.empty() && redirect[0] == '/' &&
             (redirect.size() < 2 || redirect[1] != '/'));
  FUZZ_CHECK(!fleet::fuzz::hasControl(redirect) && redirect.find(' ') == std::string::npos);

  fleet::common::Result<Action> a = planAction(formOf(form));
  if (a.isOk()) {
    const Action& act = a.value();
    if (act.kind != Action::Kind::kPurge) {
      FUZZ_CHECK(!act.balancer.empty() && !act.member.empty());
    }
    if (act.kind == Action::Kind::kManage) {
      FUZZ_CHECK(act.managerKey == "w_status_N" || act.managerKey == "w_status_D" ||
                 act.managerKey == "w_lf");
      FUZZ_CHECK(!act.managerValue.empty() &&
                 act.managerValue.find_first_not_of("0123456789") == std::string::npos);
    }
  }
  return 0;
}
