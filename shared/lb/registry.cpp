#include "shared/lb/registry.h"

#include "shared/lb/ewma.h"
#include "shared/lb/maglev.h"
#include "shared/lb/p2c.h"

namespace fleet::lb {

common::Status Registry::add(std::unique_ptr<LoadBalancer> method) {
  std::string name = method ? method->name() : "";
  if (name.empty() || name.size() > kMaxNameLength) {
    return common::Status(common::Code::kInvalidArgument,
                          "lbmethod name '" + name + "' must have 1 to 15 characters");
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return common::Status(common::Code::kInvalidArgument,
                            "lbmethod name '" + name + "' may only use a-z, 0-9 and _");
    }
  }
  if (find(name) != nullptr) {
    return common::Status(common::Code::kInvalidArgument,
                          "lbmethod '" + name + "' is registered twice");
  }
  methods_.push_back(std::move(method));
  return common::Status::ok();
}

const LoadBalancer* Registry::find(std::string_view name) const {
  for (const auto& m : methods_) {
    if (name == m->name()) {
      return m.get();
    }
  }
  return nullptr;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (const auto& m : methods_) {
    out.emplace_back(m->name());
  }
  return out;
}

Registry Registry::withBuiltins() {
  Registry r;
  r.add(std::make_unique<PowerOfTwo>());
  r.add(std::make_unique<Ewma>());
  r.add(std::make_unique<Maglev>());
  return r;
}

}  // namespace fleet::lb
