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

std::optional<shard> study_shard(const std::string& text, std::uint64_t seeds, std::ostream& err) {
  const auto s = parse_shard(text);
  if (!s) {
    err << "--shard '" << text << "': expected K/N with 1 <= K <= N\n";
    return std::nullopt;
  }
  if (seeds == 0) {
    err << "--seeds must be at least 1\n";
    return std::nullopt;
  }
  return s;
}

}  // namespace pilesim::tools
