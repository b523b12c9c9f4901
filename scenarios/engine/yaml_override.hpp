// `key.path=value` settings applied to a parsed scenario document before the loader reads it, as sweeps and
// `--set` do. A value is YAML parsed under its own small limits, and its nodes carry the place of what they
// replace, marked as the override's. It never judges whether a key belongs to the schema: the loader does.
#pragma once

#include "scenarios/engine/yaml_tree.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace pilesim::scenarios {

// A value given on a command line is a few words; these bound what one may cost.
inline constexpr std::size_t override_value_bytes_max = 64 * 1024;
inline constexpr yaml_limits override_limits{10'000, 1'000, 64};

// Sets the node at `path` (`links.ble.loss`, `faults[0].for`) to `value` parsed as YAML, so that
// `{pile: P1, loss: 0.3}` and `10m..20m` both work. Missing map keys are created on the way: whether a key
// belongs to the schema is for the loader to say, naming the override. Lists are indexed, never grown.
std::optional<yaml_problem> apply_override(yaml_node& root, std::string_view path, std::string_view value,
                                           int override_index);

}  // namespace pilesim::scenarios
