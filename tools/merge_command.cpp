#include "tools/merge_command.hpp"

#include "tools/csv.hpp"
#include "tools/exit_codes.hpp"
#include "tools/sweep_rows.hpp"
#include "tools/sweep_summary.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <utility>

namespace pilesim::tools {
namespace {

using numbered_row = std::pair<std::uint64_t, std::vector<std::string>>;  // run index, fields

// A sweep header: "run", the axes, then the fixed columns in their order.
bool is_sweep_header(const std::vector<std::string>& h) {
  return h.size() > columns_after_axes.size() && h.front() == "run" &&
         std::equal(columns_after_axes.begin(), columns_after_axes.end(), h.end() - columns_after_axes.size());
}

// Appends the rows of one shard file; the first file's header is the one every other must have.
bool read_shard(const std::string& path, const std::string& first_path, std::vector<std::string>& header,
                std::vector<numbered_row>& rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot read\n";
    return false;
  }
  std::string line;
  if (!std::getline(in, line)) {
    std::cerr << path << ": empty, expected a sweep CSV\n";
    return false;
  }
  auto h = csv_split(line);
  if (!is_sweep_header(h)) {
    std::cerr << path << ":1: not a sweep CSV header\n";
    return false;
  }
  if (header.empty()) header = h;
  if (h != header) {
    std::cerr << path << ":1: header differs from " << first_path << "'s\n";
    return false;
  }
  for (int n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto f = csv_split(line);
    char* end = nullptr;
    const unsigned long long run = std::strtoull(f.front().c_str(), &end, 10);
    if (f.size() != header.size() || f.front().empty() || *end != '\0') {
      std::cerr << path << ":" << n << ": malformed row\n";
      return false;
    }
    rows.emplace_back(run, std::move(f));
  }
  return true;
}
}  // namespace

int merge_command(const merge_options& o) {
  const std::string& out_path = o.out_path;
  const std::vector<std::string>& in_paths = o.in_paths;
  std::vector<std::string> header;
  std::vector<numbered_row> rows;
  for (const std::string& path : in_paths)
    if (!read_shard(path, in_paths.front(), header, rows)) return exit_bad_input;
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i].first == rows[i - 1].first) {
      std::cerr << "run " << rows[i].first << " appears in more than one input (overlapping shards?)\n";
      return exit_bad_input;
    }
  std::vector<std::vector<std::string>> text_rows;
  for (auto& r : rows) text_rows.push_back(std::move(r.second));
  if (!write_rows(out_path, header, text_rows)) {
    std::cerr << out_path << ": cannot write\n";
    return exit_bad_input;
  }
  std::cerr << "merge: " << text_rows.size() << " runs from " << in_paths.size() << " file(s) into " << out_path
            << "\n";
  return study_exit_code(print_sweep_summary(std::cout, header, text_rows), o.strict);
}

}  // namespace pilesim::tools
