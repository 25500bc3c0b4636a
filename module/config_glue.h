// Configuration objects and directive handlers. C++ config objects live on httpd's config pools
// and are deleted by pool cleanups. mod_fleet also looks at mod_proxy's own lbmethod= settings
// first, so a misspelt method fails `apachectl -t` naming the value and the methods that exist.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

// Per directory/location/<Proxy> settings; fields left unset inherit when sections merge.
struct DirConfig {
  int decisionHeader = -1;  // FleetDecisionHeader: -1 unset, 0 off, 1 on
  int decisionNote = -1;    // FleetDecisionNote: -1 unset, 0 off, 1 on

  bool decisionHeaderOn() const { return decisionHeader == 1; }
  // The trace costs a few thousand instructions per request, so it is built only when asked for.
  bool decisionTraceOn() const { return decisionNote == 1 || decisionHeader == 1; }
};

void* createDirConfig(apr_pool_t* p, char* dir);
void* mergeDirConfig(apr_pool_t* p, void* base, void* add);
const DirConfig& dirConfig(request_rec* r);

extern const command_rec kCommands[];

}  // namespace fleet::glue
