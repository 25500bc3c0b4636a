// Prints every declared directive as "name<TAB>where<TAB>default", for the test that compares
// them with the README's directive table.
#include <iostream>

#include "shared/config/options.h"

int main() {
  for (const fleet::config::Option& o : fleet::config::options()) {
    const char* where = o.where == fleet::config::Where::kMainServer ? "main server"
                        : o.where == fleet::config::Where::kServer   ? "server"
                                                                     : "anywhere";
    std::cout << o.name << '\t' << where << '\t' << o.defaultText << '\n';
  }
  return 0;
}
