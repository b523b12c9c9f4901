// The grid a sweep runs over: each `--set key.path=v1,v2,...` is an axis, and the grid is their product, its
// points numbered so that the last axis varies fastest. Numbering depends only on the axes as given, never on
// threads or shards, which is what lets shard files merge back into the unsharded study.
#pragma once

#include "scenarios/engine/loader.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace pilesim::tools {

// One swept key and the values it takes, in the order given.
struct axis {
  std::string path;
  std::vector<std::string> values;
};

// "a,b,{x: 1, y: 2}" -> {"a", "b", "{x: 1, y: 2}"}: splits at commas outside brackets and quotes.
std::vector<std::string> split_values(const std::string& text);

// One axis per setting, its value split into the list it names.
std::vector<axis> grid_axes(const std::vector<scenarios::override_setting>& settings);

// How many points the grid has: the product of the axes' sizes (1 without axes).
std::size_t grid_size(const std::vector<axis>& axes);

// The value of each axis at point `index` (< grid_size), the last axis varying fastest.
std::vector<std::string> grid_point(const std::vector<axis>& axes, std::size_t index);

}  // namespace pilesim::tools
