#include "shared/common/headers.h"

#include <strings.h>

#include "shared/common/parse.h"

namespace fleet::common {

bool sameFieldName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string combinedField(const HeaderList& headers, std::string_view name) {
  std::string out;
  for (const auto& [k, v] : headers) {
    if (!sameFieldName(k, name)) {
      continue;
    }
    std::string_view value = trimSpaces(v);
    if (value.empty()) {
      continue;
    }
    if (!out.empty()) {
      out += ", ";
    }
    out += value;
  }
  return out;
}

std::string firstField(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (sameFieldName(k, name)) {
      return v;
    }
  }
  return "";
}

std::vector<std::string> splitList(std::string_view value) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    std::string_view item =
        trimSpaces(value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos));
    if (!item.empty()) {
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}

std::string foldedFieldName(std::string_view name) {
  std::string out = toLower(name);
  for (char& c : out) {
    if (c == '_' || c == '.') {
      c = '-';
    }
  }
  return out;
}

}  // namespace fleet::common
