// `pilesim sweep FILE --seeds N --set k=v1,v2 ...` runs one scenario over a grid of overrides × seeds, in
// parallel threads (each run builds its own world and stays single-threaded), and writes one CSV/JSON row per run
// in (grid point, seed) order, so that the output never depends on --jobs or --shard. `pilesim merge` joins
// shard CSVs back into the file an unsharded sweep writes. The wall clock is read here only, around each run.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

struct sweep_options {
  std::string file;
  std::uint64_t seeds = 1;                // seeds per grid point
  std::uint64_t seed_start = 1;
  std::vector<std::string> sets;          // "key.path=v1,v2,..." (commas inside {} [] are kept)
  unsigned jobs = 1;                      // worker threads; 0 means one per hardware thread
  std::string shard = "1/1";              // "K/N": runs whose index % N == K-1
  std::string out_path;                   // .csv (default) or .json; empty: no file
  bool quiet = false;                     // no progress lines on stderr
};

int sweep_command(const sweep_options& o);

// Joins shard CSVs (same header) into `out_path`, rows in run order, and prints the aggregate table.
int merge_command(const std::string& out_path, const std::vector<std::string>& in_paths);

// "key=a,b,{x: 1, y: 2}" -> {"a", "b", "{x: 1, y: 2}"}: splits at commas outside brackets and quotes.
std::vector<std::string> split_values(const std::string& text);

// `text` quoted for a POSIX shell when it needs to be ('it''s' style quoting via '\'').
std::string shell_quote(const std::string& text);

// Wilson score interval for `ok` successes out of `n` at 95 %: {low, high}; {0, 1} when n == 0.
std::pair<double, double> wilson_interval(std::uint64_t ok, std::uint64_t n);

}  // namespace pilesim::tools
