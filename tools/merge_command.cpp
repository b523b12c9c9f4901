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
std::size_t column(const std::vector<std::string>& header, const char* name) {
  return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
}

// Every row names the same scenario text and study size, and a run below that size.
bool one_study(const std::vector<std::string>& header, const std::vector<numbered_row>& rows) {
  if (rows.empty()) return true;
  const std::size_t c = column(header, "study_runs"), h = column(header, "scenario_hash");
  const auto& [first_run, first] = rows.front();
  const unsigned long long total = std::strtoull(first[c].c_str(), nullptr, 10);
  for (const auto& [run, f] : rows) {
    if (f[h] != first[h]) {
      std::cerr << "run " << run << " ran a scenario text with hash " << f[h] << ", run " << first_run
                << " one with " << first[h] << ": the inputs are not shards of one study\n";
      return false;
    }
    if (f[c] != first[c] || run >= total) {
      std::cerr << "run " << run << " says its study has " << f[c] << " runs, run " << first_run << " says "
                << first[c] << ": the inputs are not shards of one study\n";
      return false;
    }
  }
  return true;
}

// The runs missing from the study (rows are one study's, sorted, without duplicates), listed on `err` unless
// `partial` lets them be. False when runs are missing without `partial`.
bool complete_study(const std::vector<std::string>& header, const std::vector<numbered_row>& rows, bool partial) {
  const std::uint64_t total =
      rows.empty() ? 0 : std::strtoull(rows.front().second[column(header, "study_runs")].c_str(), nullptr, 10);
  if (rows.size() == total) return true;
  std::string missing;
  std::size_t listed = 0, at = 0;
  for (std::uint64_t i = 0; i < total && listed < 10; ++i) {
    if (at < rows.size() && rows[at].first == i) {
      ++at;
      continue;
    }
    missing += (listed++ ? ", " : "") + std::to_string(i);
  }
  const std::size_t absent = total - rows.size();
  std::cerr << "merge: " << (partial ? "partial: " : "") << rows.size() << " of " << total << " runs; missing "
            << absent << " (runs " << missing << (absent > listed ? ", ..." : "") << ")"
            << (partial ? "\n" : "; is a shard missing? --partial merges what is there\n");
  return partial;
}
}  // namespace

int merge_command(const merge_options& o) {
  const std::string& out_path = o.out_path;
  const std::vector<std::string>& in_paths = o.in_paths;
  std::vector<std::string> header;
  std::vector<numbered_row> rows;
  for (const std::string& path : in_paths)
    if (!read_shard(path, in_paths.front(), header, rows)) return exit_bad_input;
  if (!one_study(header, rows)) return exit_bad_input;
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i].first == rows[i - 1].first) {
      std::cerr << "run " << rows[i].first << " appears in more than one input (overlapping shards?)\n";
      return exit_bad_input;
    }
  if (!complete_study(header, rows, o.partial)) return exit_bad_input;
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
