// `pilesim merge OUT.csv SHARD.csv...` joins the CSVs of a sharded sweep into the file the unsharded sweep
// writes (rows in run order) and prints the same summary table. It trusts no input: a file that is not a sweep
// CSV, rows of another shape, or a run found in two files is bad input (exit 2), never a guess. So is an
// incomplete set (rows say how many runs the whole study has), unless told `partial`.
#pragma once

#include <string>
#include <vector>

namespace pilesim::tools {

struct merge_options {
  std::string out_path;
  std::vector<std::string> in_paths;
  bool strict = false;   // as sweep's: a missed expectation fails too
  bool partial = false;  // merge what is there even when runs of the study are missing
};

// Exit code as the unsharded sweep's (0 every invariant held, 1 one broke, 2 bad input).
int merge_command(const merge_options& o);

}  // namespace pilesim::tools
