// Shards split one sweep's runs between machines: shard K of N takes the runs whose index % N == K - 1, so
// the N shards together run each index exactly once and `pilesim merge` can put the rows back in order.
// A shard never renumbers its runs: a row keeps the index it has in the unsharded study.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

struct shard {
  std::uint64_t index = 1;  // K, from 1
  std::uint64_t count = 1;  // N
};

// "K/N" with 1 <= K <= N and nothing after; nothing otherwise.
std::optional<shard> parse_shard(const std::string& text);

// A study's --shard and --seeds as sweep and swarm take them: the shard, or nothing after saying on `err`
// what is wrong (the caller exits 2).
std::optional<shard> study_shard(const std::string& text, std::uint64_t seeds, std::ostream& err);

// The run indices below `total` that belong to shard `s`, ascending.
std::vector<std::uint64_t> shard_runs(std::uint64_t total, shard s);

}  // namespace pilesim::tools
