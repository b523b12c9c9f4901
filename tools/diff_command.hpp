// `pilesim diff A -- B`: where two runs, or two trace files, first differ. A side is a trace file (*.jsonl, as
// `run --trace` writes it) or a scenario file with its own `--seed N` and `--set k=v`; a side that names no file
// takes A's (`pilesim diff f.yaml --seed 1 -- --seed 2`). Runs are traced in memory with checkpoints, and
// trace_diff finds the first differing event. Exit codes as diff(1): 0 identical, 1 they differ, 2 bad input.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

struct diff_options {
  std::vector<std::string> words;       // everything after `pilesim diff [flags]`: A's words, `--`, B's words
  std::size_t context = 5;              // events shown before the first difference
  std::uint64_t checkpoint_every = 1000;  // for runs: a checkpoint after every N events
};

int diff_command(const diff_options& o, std::ostream& out, std::ostream& err);

}  // namespace pilesim::tools
