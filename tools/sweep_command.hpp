// `pilesim sweep FILE --seeds N --set k=v1,v2 ...` runs one scenario over a grid of overrides × seeds, in
// parallel threads (each run builds its own world and stays single-threaded), and writes one CSV/JSON row per run
// in (grid point, seed) order, so that the output never depends on --jobs or --shard (`pilesim merge` joins shard
// files back). The wall clock is read here only, around each run, and never reaches a trace.
#pragma once

#include <cstdint>
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
  bool strict = false;                    // a missed expectation fails the sweep (exit 1), not only an invariant
};

int sweep_command(const sweep_options& o);

}  // namespace pilesim::tools
