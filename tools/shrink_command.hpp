// `pilesim shrink FILE --seed N [--set k=v]... [--out FILE.yaml]`: from a failing run, greedily removes faults,
// steps, users and piles and narrows fault windows while the run still fails the same way (the same set of failed
// check names), then writes the smaller scenario and says what went. It edits the YAML tree (comments and layout
// are not kept) and judges each candidate only by loading and running it; it never edits the original file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pilesim::tools {

struct shrink_options {
  std::string file;
  std::uint64_t seed = 1;
  std::vector<std::string> sets;     // applied to every candidate, as `pilesim run --set` would
  std::string out_path;              // default: FILE's stem + ".min.yaml" beside FILE
  std::size_t runs_max = 2000;       // candidates tried before giving up on smaller ones
};

int shrink_command(const shrink_options& o);

}  // namespace pilesim::tools
