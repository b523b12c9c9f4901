#include "tools/per_file_path.hpp"

#include <filesystem>
#include <map>
#include <stdexcept>

namespace pilesim::tools {
namespace {

constexpr std::string_view stem_word = "{stem}";

std::string with_stem(std::string_view pattern, const std::string& stem) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i, stem_word.size()) == stem_word) {
      out += stem;
      i += stem_word.size();
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

}  // namespace

void throw_exception_from_error(const path_problem& p, const boost::source_location&) {
  throw std::logic_error("bug: value of a refused output path: " + p.message);
}

boost::system::result<std::vector<std::string>, path_problem> per_file_paths(std::string_view flag,
                                                                             std::string_view pattern,
                                                                             const std::vector<std::string>& files) {
  const std::string given = std::string(flag) + " '" + std::string(pattern) + "'";
  if (pattern.empty()) return std::vector<std::string>(files.size());
  for (std::size_t at = pattern.find('{'); at != std::string_view::npos; at = pattern.find('{', at + 1))
    if (pattern.substr(at, stem_word.size()) != stem_word)
      return path_problem{given + ": the only placeholder is {stem} (the scenario file's name without extension)"};
  const bool patterned = pattern.find(stem_word) != std::string_view::npos;
  if (!patterned && files.size() > 1)
    return path_problem{given + ": " + std::to_string(files.size()) +
                        " scenario files would each overwrite it; give each its own, e.g. " + std::string(flag) +
                        " 'out/{stem}" + std::filesystem::path(pattern).extension().string() + "'"};
  std::vector<std::string> out;
  std::map<std::string, const std::string*> writer;  // path -> the file that writes it
  for (const std::string& f : files) {
    out.push_back(patterned ? with_stem(pattern, std::filesystem::path(f).stem().string()) : std::string(pattern));
    auto [it, fresh] = writer.emplace(out.back(), &f);
    if (!fresh)
      return path_problem{given + ": " + *it->second + " and " + f + " would both write " + out.back() +
                          " (their names are the same without folder and extension)"};
  }
  return out;
}

}  // namespace pilesim::tools
