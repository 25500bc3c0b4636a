#include "shared/cache/keys.h"

#include <openssl/sha.h>

#include <algorithm>

#include "shared/cache/invalidation.h"
#include "shared/common/parse.h"

namespace fleet::cache {
namespace {

std::string hex(const unsigned char* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string primaryKey(std::string_view scheme, std::string_view host, int port,
                       std::string_view pathAndQuery) {
  return common::toLower(scheme) + "://" + common::toLower(host) + ":" + std::to_string(port) +
         std::string(pathAndQuery);
}

std::string normalizeVaryValue(std::string_view name, std::string_view value) {
  std::string collapsed;
  bool space = false;
  for (char c : common::trimSpaces(value)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !collapsed.empty()) {
      collapsed += ' ';
    }
    space = false;
    collapsed += c;
  }
  std::string n = common::toLower(name);
  if (n == "accept-encoding" || n == "accept-language" || n == "accept") {
    std::vector<std::string> items;
    size_t pos = 0;
    while (pos <= collapsed.size()) {
      size_t comma = collapsed.find(',', pos);
      std::string item = common::toLower(common::trimSpaces(std::string_view(collapsed).substr(
          pos, comma == std::string::npos ? std::string::npos : comma - pos)));
      item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
      if (!item.empty()) {
        items.push_back(item);
      }
      if (comma == std::string::npos) {
        break;
      }
      pos = comma + 1;
    }
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    collapsed.clear();
    for (const std::string& i : items) {
      collapsed += (collapsed.empty() ? "" : ",") + i;
    }
  }
  return collapsed;
}

std::vector<std::string> varyNames(std::string_view vary) {
  std::vector<std::string> names;
  size_t pos = 0;
  while (pos <= vary.size()) {
    size_t comma = vary.find(',', pos);
    std::string n = common::toLower(common::trimSpaces(
        vary.substr(pos, comma == std::string_view::npos ? vary.npos : comma - pos)));
    if (!n.empty()) {
      names.push_back(n);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string variantKey(const std::string& primary, const std::vector<std::string>& names,
                       const std::map<std::string, std::string>& requestValues) {
  std::string k = primary;
  for (const std::string& n : names) {
    auto it = requestValues.find(n);
    k += '\n' + n +
         (it == requestValues.end() ? std::string("!") : ":" + normalizeVaryValue(n, it->second));
  }
  return k;
}

std::string_view primaryOf(std::string_view fullKey) {
  return fullKey.substr(0, fullKey.find('\n'));
}

std::string hashedKey(std::string_view prefix, std::string_view text) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  return std::string(prefix) + hex(md, 20);
}

std::string Keys::entry(std::string_view fullKey) const { return hashedKey(prefix_, fullKey); }

std::string Keys::chunk(std::string_view fullKey, uint64_t bodyId, uint32_t index) const {
  unsigned char id[8];
  for (int i = 0; i < 8; ++i) {
    id[i] = static_cast<unsigned char>(bodyId >> (8 * i));
  }
  return entry(fullKey) + ":" + hex(id, 8) + ":" + std::to_string(index);
}

std::string Keys::missLease(std::string_view primary) const { return entry(primary) + ":lock"; }

std::string Keys::refreshLease(std::string_view fullKey) const {
  return entry(fullKey) + ":refresh";
}

std::string Keys::tag(std::string_view tag) const { return hashedKey(prefix_ + "tag:", tag); }

std::string Keys::softTag(std::string_view t, uint64_t generation) const {
  return tag(t) + ":soft:" + std::to_string(generation);
}

std::string Keys::logHead() const { return prefix_ + "inv:seq"; }

std::string Keys::logSlot(uint64_t seq) const {
  return prefix_ + "inv:" + std::to_string(seq % kLogSlots);
}

}  // namespace fleet::cache
