// Maglev lookup tables for the finder (lb_glue): one per balancer and process, built from the
// members and weights the finder sees and rebuilt only when they change. Every child builds the
// same table from the same members, so a key maps to the same member whichever child serves it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "module/httpd_includes.h"
#include "shared/lb/candidates.h"
#include "shared/lb/maglev.h"

namespace fleet::glue {

// The table for exactly these members and weights (called under the balancer's lock).
std::shared_ptr<const lb::MaglevTable> maglevTable(proxy_balancer* b, const lb::Candidate* c,
                                                   const uint32_t* baseWeights, size_t n,
                                                   uint32_t size, server_rec* s);
// From post_config, after createMemberTable: one table entry per configured balancer, so the map
// is never resized after fork.
void prepareMaglevTables(apr_pool_t* pconf, server_rec* s);

}  // namespace fleet::glue
