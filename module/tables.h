// httpd's header tables as the core's header lists: every line, in order. A field that came on
// several lines is read through common::combinedField, never apr_table_get's first line.
#pragma once

#include <string>

#include "module/httpd_includes.h"
#include "shared/common/headers.h"

namespace fleet::glue {

inline common::HeaderList headerList(const apr_table_t* t) {
  common::HeaderList out;
  const apr_array_header_t* arr = apr_table_elts(t);
  const auto* elts = reinterpret_cast<const apr_table_entry_t*>(arr->elts);
  out.reserve(static_cast<size_t>(arr->nelts));
  for (int i = 0; i < arr->nelts; ++i) {
    if (elts[i].key != nullptr) {
      out.emplace_back(elts[i].key, elts[i].val ? elts[i].val : "");
    }
  }
  return out;
}

// All lines of one field joined with ", " ("" when absent).
inline std::string combinedField(const apr_table_t* t, const char* name) {
  common::HeaderList lines;
  apr_table_do(
      [](void* rec, const char* k, const char* v) {
        static_cast<common::HeaderList*>(rec)->emplace_back(k, v != nullptr ? v : "");
        return 1;
      },
      &lines, t, name, nullptr);
  return common::combinedField(lines, name);
}

}  // namespace fleet::glue
