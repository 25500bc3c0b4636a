// Rules about a response once it is stored: the facts the policy reads from a response's or an
// entry's header lines, which stored headers may be sent to another client, how long memcached
// keeps an entry, and how a member's 304 freshens a stored response (RFC 9111 3.2, 4.3.4).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/cache/entry.h"
#include "shared/cache/policy.h"
#include "shared/common/headers.h"

namespace fleet::cache {

// A response's header lines as the policy wants them: list-valued fields combined over all
// their lines; singletons from their first line; Expires on several lines is invalid; the
// targeted fields of `limits` (RFC 9213) before Cache-Control. `now` reads two-digit years.
ResponseFacts factsOf(int status, const common::HeaderList& headers, const Limits& limits,
                      int64_t now);
// The same for a stored entry (its received Age is kept apart from its headers).
ResponseFacts storedFacts(const Entry& e, const Limits& limits);

// What a stored response means to the policy and which of its fields go out, worked out once
// (the memory tier keeps it with the entry, so a hit parses nothing).
struct StoredReading {
  ResponseFacts facts;
  std::shared_ptr<const common::HeaderList> sent;  // the fields sentFromCache lets out
};
StoredReading readStored(const Entry& e, const Limits& limits);

// The Surrogate-Key tags of a response: separated by spaces (and, across several lines or as
// some members send them, commas), duplicates removed, in order.
std::vector<std::string> surrogateKeys(const common::HeaderList& headers);

// The lines of a response worth storing: keptInEntry names, minus any field the response's
// Connection header names (hop-by-hop, RFC 9110 7.6.1), on however many lines it came.
common::HeaderList storableHeaders(const common::HeaderList& headers);

// Whether a stored header goes out with a cached answer: hop-by-hop fields, the length and Age
// (set anew), cookies, Cache-Status and mod_fleet's own targeted field never; fields named by
// no-cache="..." / private="..." neither.
bool sentFromCache(std::string_view name, const CacheControl& cc, const Limits& limits);
// Whether a response header is kept in the entry at all (everything sentFromCache could send).
bool keptInEntry(std::string_view name);

// How long memcached keeps an entry: its freshness, plus the longest stale window it may be
// served in (stale-while-revalidate / stale-if-error, or the defaults), plus an hour to revalidate
// when it has validators; at most 30 days. 0 or less: not worth storing.
int64_t storageTtl(const ResponseFacts& f, const Limits& limits);

// RFC 9111 3.2: every field of the member's 304 replaces the stored field of that name, except
// those never stored (hop-by-hop, Connection-named, cookies) and Content-Length; the Age and
// the times are the 304's.
void freshenFrom304(Entry* e, const common::HeaderList& fresh, int64_t requestTime,
                    int64_t responseTime);

}  // namespace fleet::cache
