// Rules about a response once it is stored: the facts the policy reads from an entry's headers,
// which stored headers may be sent to another client, how long memcached keeps an entry, and
// how a member's 304 refreshes a stored response (RFC 9111 4.3.4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/cache/entry.h"
#include "shared/cache/policy.h"
#include "shared/common/headers.h"

namespace fleet::cache {

// A response's header lines as the policy wants them: list-valued fields (Cache-Control, Pragma,
// Vary) combined over all their lines, singletons from their first line.
ResponseFacts factsOf(int status, const common::HeaderList& headers);
// The same for a stored entry.
ResponseFacts storedFacts(const Entry& e);

// The Surrogate-Key tags of a response: separated by spaces (and, across several lines or as
// some members send them, commas), duplicates removed, in order.
std::vector<std::string> surrogateKeys(const common::HeaderList& headers);

// The lines of a response worth storing: keptInEntry names, minus any field the response's
// Connection header names (hop-by-hop, RFC 9110 7.6.1), on however many lines it came.
common::HeaderList storableHeaders(const common::HeaderList& headers);

// Whether a stored header goes out with a cached answer: hop-by-hop fields, the length and Age
// (set anew), cookies and Cache-Status never; fields named by no-cache="..." / private="..." neither.
bool sentFromCache(std::string_view name, const CacheControl& cc);
// Whether a response header is kept in the entry at all (everything sentFromCache could send).
bool keptInEntry(std::string_view name);

// How long memcached keeps an entry: its freshness, plus the longest stale window it may be
// served in (stale-while-revalidate / stale-if-error, or the defaults), plus an hour to revalidate
// when it has validators; at most 30 days. 0 or less: not worth storing.
int64_t storageTtl(const ResponseFacts& f, const Limits& limits);

// A 304's headers replace the stored ones of the same name that describe freshness and
// validators (Cache-Control, Date, Expires, ETag, Last-Modified, Vary); the times are the new ones.
void refreshFrom304(Entry* e, const std::vector<std::pair<std::string, std::string>>& fresh,
                    int64_t requestTime, int64_t responseTime);

}  // namespace fleet::cache
