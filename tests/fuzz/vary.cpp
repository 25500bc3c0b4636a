// Vary and the variant keys it makes (keys.*), and the other readings of a member's header lines
// before they are stored (stored.*: storable lines with Connection-named fields removed,
// Surrogate-Key tags, a 304's freshening). Input: the member's Vary line, then the request's
// header lines, an empty line, then the member's header lines.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "shared/cache/entry.h"
#include "shared/cache/keys.h"
#include "shared/cache/stored.h"
#include "shared/common/parse.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleet::cache;
  fleet::fuzz::Input in(data, size);
  std::string vary(in.line());
  fleet::common::HeaderList request = fleet::fuzz::headerList(in.block());
  fleet::common::HeaderList member = fleet::fuzz::headerList(in.block());

  std::vector<std::string> names = varyNames(vary);
  FUZZ_CHECK(std::is_sorted(names.begin(), names.end()));
  FUZZ_CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  std::map<std::string, std::string> values;
  for (const std::string& n : names) {
    FUZZ_CHECK(!n.empty() && n == fleet::common::toLower(n));
    for (const auto& kv : request) {
      if (fleet::common::sameFieldName(kv.first, n)) {
        values[n] = fleet::common::combinedField(request, n);
        break;
      }
    }
  }
  for (const auto& kv : request) {
    std::string once = normalizeVaryValue(kv.first, kv.second);
    FUZZ_CHECK(normalizeVaryValue(kv.first, once) == once);  // a normal form
  }
  const std::string primary = primaryKey("http", "Example.COM", 80, "/a?b");
  std::string full = variantKey(primary, names, values);
  FUZZ_CHECK(full.rfind(primary, 0) == 0);
  if (primary.find('\n') == std::string::npos) {
    FUZZ_CHECK(primaryOf(full) == primary);
  }
  Keys keys("fl2:");
  FUZZ_CHECK(keys.entry(full).size() == 4 + 40);

  fleet::common::HeaderList storable = storableHeaders(member);
  for (const auto& kv : storable) {
    FUZZ_CHECK(keptInEntry(kv.first));
  }
  for (const std::string& tag : surrogateKeys(member)) {
    FUZZ_CHECK(!tag.empty() && tag.find_first_of(" \t,") == std::string::npos);
  }
  Entry e;
  e.headers = storableHeaders(request);
  freshenFrom304(&e, member, 1796000000, 1796000001);
  for (const auto& kv : e.headers) {
    FUZZ_CHECK(keptInEntry(kv.first));
  }
  FUZZ_CHECK(e.age >= 0);
  return 0;
}
