// `pilesim merge OUT.csv SHARD.csv...` joins the CSVs of a sharded sweep into the file the unsharded sweep
// writes (rows in run order) and prints the same summary table. It trusts no input: a file that is not a sweep
// CSV, rows of another shape, or a run found in two files is bad input (exit 2), never a guess.
#pragma once

#include <string>
#include <vector>

namespace pilesim::tools {

int merge_command(const std::string& out_path, const std::vector<std::string>& in_paths);

}  // namespace pilesim::tools
