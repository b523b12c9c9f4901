// Repeated `--set key.path=value` flags turned into the loader's override settings, with one error message for
// every command that takes them ("--set 'x': expected key.path=value"). It only splits the text at the first '=';
// whether the path and the value fit the scenario is the loader's judgement, never this unit's.
#pragma once

#include "scenarios/engine/loader.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::tools {

// The settings in the order given, or nothing after naming the first malformed flag on `err`. `value_shape` is
// what the message says a value looks like: "value", or "v1,v2,..." where the value is a swept list.
std::optional<std::vector<scenarios::override_setting>> parse_set_flags(const std::vector<std::string>& flags,
                                                                       std::ostream& err,
                                                                       std::string_view value_shape = "value");

}  // namespace pilesim::tools
