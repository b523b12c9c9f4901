// Shards of a sweep: K/N read strictly, and the N shards together take every run exactly once.
#include "tools/shard.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace pilesim::tools;

TEST_SUITE("tools/shard") {
  TEST_CASE("K/N parses only with 1 <= K <= N and nothing after") {
    REQUIRE(parse_shard("2/3"));
    CHECK(parse_shard("2/3")->index == 2);
    CHECK(parse_shard("2/3")->count == 3);
    for (const char* bad : {"0/2", "3/2", "1/0", "1", "1/2x", "a/b", ""}) CHECK_MESSAGE(!parse_shard(bad), bad);
  }

  TEST_CASE("the shards of a study take every run exactly once") {
    std::multiset<std::uint64_t> seen;
    for (std::uint64_t k = 1; k <= 3; ++k)
      for (std::uint64_t i : shard_runs(10, {k, 3})) {
        CHECK(i % 3 == k - 1);
        seen.insert(i);
      }
    CHECK(seen.size() == 10);
    for (std::uint64_t i = 0; i < 10; ++i) CHECK(seen.count(i) == 1);
  }
}
