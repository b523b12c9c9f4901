#include "tools/output_format.hpp"

#include <filesystem>

namespace pilesim::tools {

std::optional<std::string> output_format_problem(std::string_view path, const std::vector<std::string>& extensions) {
  const std::string ext = std::filesystem::path(path).extension().string();
  for (const std::string& e : extensions)
    if (ext == e) return std::nullopt;
  std::string names;
  std::size_t i = 0;
  for (const std::string& e : extensions) {
    names += std::string(i == 0 ? "" : i + 1 == extensions.size() ? " or " : ", ") + "FILE" + e;
    ++i;
  }
  const std::string shown(path);
  if (ext.empty()) return "'" + shown + "' has no extension to choose the format by: name it " + names;
  return "'" + shown + "': this command writes no '" + ext + "' files: name it " + names;
}

}  // namespace pilesim::tools
