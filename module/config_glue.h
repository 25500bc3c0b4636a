// Directive handlers. mod_fleet also looks at mod_proxy's own lbmethod= settings first, so a
// misspelt method fails `apachectl -t` naming the value and the methods that exist.
#pragma once

#include "module/httpd_includes.h"

namespace fleet::glue {

extern const command_rec kCommands[];

}  // namespace fleet::glue
