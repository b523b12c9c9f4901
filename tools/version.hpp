// The version of this build of pilesim, as `pilesim --version`, repro lines, sweep rows and JUnit reports name it.
#pragma once

#include <string_view>

namespace pilesim::tools {

std::string_view pilesim_version();  // "0.1.0": the project's version in CMakeLists.txt

}  // namespace pilesim::tools
