#include "tools/database_path.hpp"

#include <filesystem>
#include <fstream>
#include <string_view>

#include <unistd.h>

namespace pilesim::tools {
namespace {

// Every SQLite database file starts with these 16 bytes (https://sqlite.org/fileformat.html, 1.3).
constexpr std::string_view sqlite_header{"SQLite format 3\0", 16};

bool starts_like_sqlite(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  char head[16] = {};
  in.read(head, sizeof head);
  return in.gcount() == sizeof head && std::string_view(head, sizeof head) == sqlite_header;
}

}  // namespace

std::optional<std::string> database_path_problem(const std::string& path) {
  namespace fs = std::filesystem;
  if (path == ":memory:") return std::nullopt;
  if (path.empty()) return "an empty path (use :memory: for no file)";
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return "'" + path + "' is a folder, not a database file";
  const fs::path folder = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::exists(folder, ec)) return "there is no folder '" + folder.string() + "' to keep the database in";
  if (!fs::is_directory(folder, ec)) return "'" + folder.string() + "' is not a folder";
  if (fs::exists(p, ec)) {
    if (!fs::is_regular_file(p, ec)) return "'" + path + "' is not a regular file";
    if (fs::file_size(p, ec) > 0 && !starts_like_sqlite(p))
      return "'" + path + "' exists and is not an SQLite database (it is left as it is)";
    if (::access(path.c_str(), R_OK | W_OK) != 0) return "cannot read and write '" + path + "' (permission denied)";
    return std::nullopt;
  }
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    return "cannot create files in '" + folder.string() + "' (permission denied)";
  return std::nullopt;
}

}  // namespace pilesim::tools
