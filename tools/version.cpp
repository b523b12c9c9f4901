#include "tools/version.hpp"

namespace pilesim::tools {

std::string_view pilesim_version() { return PILESIM_VERSION; }

}  // namespace pilesim::tools
