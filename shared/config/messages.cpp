#include "shared/config/messages.h"

#include <algorithm>
#include <cctype>

namespace fleet::config {

std::string unknownChoice(std::string_view directive, std::string_view key, std::string_view value,
                          const std::vector<std::string>& accepted) {
  std::vector<std::string> sorted = accepted;
  std::sort(sorted.begin(), sorted.end());
  std::string out = std::string(directive) + ": " + std::string(key) + " '" + std::string(value) +
                    "' is unknown; accepted: ";
  for (size_t i = 0; i < sorted.size(); ++i) {
    out += (i ? ", " : "") + sorted[i];
  }
  if (sorted.empty()) {
    out += "(none registered)";
  }
  return out;
}

std::string badValue(std::string_view directive, std::string_view reason) {
  return std::string(directive) + ": " + std::string(reason);
}

bool findKeyValue(std::string_view args, std::string_view key, std::string* value) {
  size_t i = 0;
  while (i < args.size()) {
    while (i < args.size() && std::isspace(static_cast<unsigned char>(args[i]))) {
      ++i;
    }
    if (i >= args.size()) {
      break;
    }
    std::string word;
    char quote = (args[i] == '"' || args[i] == '\'') ? args[i] : 0;
    if (quote) {
      ++i;
    }
    while (i < args.size() &&
           (quote ? args[i] != quote : !std::isspace(static_cast<unsigned char>(args[i])))) {
      word += args[i++];
    }
    if (quote && i < args.size()) {
      ++i;
    }
    size_t eq = word.find('=');
    if (eq != std::string::npos && eq == key.size()) {
      bool same = std::equal(key.begin(), key.end(), word.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      });
      if (same) {
        *value = word.substr(eq + 1);
        while (!value->empty() && value->back() == '>') {
          value->pop_back();  // "<Proxy balancer://x lbmethod=p2c>"
        }
        return true;
      }
    }
  }
  return false;
}

}  // namespace fleet::config
