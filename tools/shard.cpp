#include "tools/shard.hpp"

#include <cstdio>

namespace pilesim::tools {

std::optional<shard> parse_shard(const std::string& text) {
  unsigned long long k = 0, n = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%llu/%llu%c", &k, &n, &tail) != 2 || n == 0 || k == 0 || k > n) return {};
  return shard{k, n};
}

std::vector<std::uint64_t> shard_runs(std::uint64_t total, shard s) {
  std::vector<std::uint64_t> runs;
  for (std::uint64_t i = 0; i < total; ++i)
    if (i % s.count == s.index - 1) runs.push_back(i);
  return runs;
}

}  // namespace pilesim::tools
