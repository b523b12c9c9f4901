// The scenario files a command line names: a file as given, a folder as its *.yaml files in name order (directory
// order differs between machines). `run` and `check` read paths the same way through this one function. It lists
// names only; it never reads a scenario.
#pragma once

#include <string>
#include <vector>

namespace pilesim::tools {

struct path_not_read {
  std::string path;
  std::string reason;  // "no such file or folder", "no *.yaml files in this folder"
};

struct scenario_paths {
  std::vector<std::string> files;
  std::vector<path_not_read> problems;
};

scenario_paths expand_scenario_paths(const std::vector<std::string>& paths);

}  // namespace pilesim::tools
