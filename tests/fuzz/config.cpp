// Directive values as httpd hands them over (config::apply with each declaration's parser), the
// BalancerMember parameters mod_fleet owns (slowstart=, maxconn=, trytimeout=, the hc* ones) and
// ProxyHCTemplate's pairs. Input: lines "<Directive> <word> <word>..." (a directive named by no
// declaration is picked by the line's length), "member key=value", "hc key=value",
// "template name key=value...".
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shared/config/option_parsers.h"
#include "shared/config/options.h"
#include "shared/health/check_config.h"
#include "shared/health/hc_definitions.h"
#include "shared/lb/member_options.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

class Keep final : public fleet::config::Keeper {
 public:
  const void* keep(std::shared_ptr<const void> object) override {
    kept_.push_back(object);
    return object.get();
  }

 private:
  std::vector<std::shared_ptr<const void>> kept_;
};

std::vector<std::string> wordsOf(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    if (i > start) {
      words.emplace_back(line.substr(start, i - start));
    }
  }
  return words;
}

void applyPair(const std::string& word, fleet::lb::MemberOptions* member,
               fleet::health::CheckConfig* check, bool hc) {
  size_t eq = word.find('=');
  std::string key = word.substr(0, eq);
  std::string value = eq == std::string::npos ? std::string() : word.substr(eq + 1);
  if (hc) {
    (void)fleet::health::applyCheckParam(check, key, value);
    return;
  }
  fleet::common::Result<bool> r = fleet::lb::applyMemberParam(member, key, value);
  if (r.isOk() && r.value()) {
    FUZZ_CHECK(member->maxConn >= 0 && member->maxConn <= fleet::lb::kMaxConnLimit);
    FUZZ_CHECK(member->tryTimeoutMicros >= 0 && member->slowStartMicros >= -1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::config;
  Keep keeper;
  Settings settings;
  fleet::lb::MemberOptions member;
  fleet::health::CheckConfig check;
  fleet::health::HcDefinitions defs;
  defs.addExpression("ok", "%{REQUEST_STATUS} == 200", nullptr);
  fleet::fuzz::Input in(data, size);
  while (!in.empty()) {
    std::vector<std::string> words = wordsOf(in.line());
    if (words.empty()) {
      continue;
    }
    std::string head = words[0];
    words.erase(words.begin());
    if (head == "member" || head == "hc") {
      for (const std::string& w : words) {
        applyPair(w, &member, &check, head == "hc");
      }
      continue;
    }
    if (head == "template" && !words.empty()) {
      std::string name = words[0];
      words.erase(words.begin());
      if (defs.addTemplate(name, words).empty()) {
        FUZZ_CHECK(defs.applyParam(&check, "hctemplate", name).empty());
      }
      continue;
    }
    const Option* o = nullptr;
    for (const Option& candidate : options()) {
      if (head == candidate.name) {
        o = &candidate;
      }
    }
    if (o == nullptr) {
      o = &options()[head.size() % options().size()];
    }
    if (o->parse == nullptr) {
      continue;  // an ap_expr: httpd parses it
    }
    std::string error = apply(&settings, *o, words, keeper);
    if (error.empty()) {
      FUZZ_CHECK(settings.has(o->id));
      int64_t n = settings.number(o->id);
      if (o->parse == &parsers::number) {
        FUZZ_CHECK(n >= o->min && n <= o->max);
      } else if (o->parse == &parsers::numberOrOff) {
        FUZZ_CHECK(n == 0 || (n >= o->min && n <= o->max));
      } else if (o->parse == &parsers::duration) {
        FUZZ_CHECK(n >= o->min && (o->max <= 0 || n <= o->max));
      } else if (isSwitch(*o)) {
        FUZZ_CHECK(n == 0 || n == 1);
      }
    } else {
      FUZZ_CHECK(error.rfind(o->name, 0) == 0);
    }
  }
  Settings merged = Settings::merged(Settings(), settings);
  FUZZ_CHECK(merged.set == settings.set);
  for (const Option& o : options()) {
    (void)merged.number(o.id);
    (void)merged.object<void>(o.id);
  }
  return 0;
}
