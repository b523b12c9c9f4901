#include "tools/scenario_paths.hpp"

#include <algorithm>
#include <filesystem>

namespace pilesim::tools {

scenario_paths expand_scenario_paths(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  scenario_paths out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".yaml") found.push_back(e.path().string());
      if (ec) out.problems.push_back({p, "cannot list the folder: " + ec.message()});
      else if (found.empty()) out.problems.push_back({p, "no *.yaml files in this folder"});
      std::sort(found.begin(), found.end());
      out.files.insert(out.files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec) && !fs::is_directory(p, ec)) {
      out.files.push_back(p);  // a regular file, or a pipe: the loader reads it and says what is wrong
    } else {
      out.problems.push_back({p, "no such file or folder"});
    }
  }
  return out;
}

}  // namespace pilesim::tools
