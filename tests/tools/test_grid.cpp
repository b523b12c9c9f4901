// The sweep grid: value lists split where the user meant, and points numbered with the last axis fastest.
#include "tools/grid.hpp"

#include <doctest/doctest.h>

using namespace pilesim::tools;

TEST_SUITE("tools/grid") {
  TEST_CASE("values split at commas outside brackets and quotes") {
    CHECK(split_values("0,0.2") == std::vector<std::string>{"0", "0.2"});
    CHECK(split_values("{loss: 0.4, duplicate: 0.1},[1, 2]") ==
          std::vector<std::string>{"{loss: 0.4, duplicate: 0.1}", "[1, 2]"});
    CHECK(split_values("'a,b',\"c,d\"") == std::vector<std::string>{"'a,b'", "\"c,d\""});
    CHECK(split_values("") == std::vector<std::string>{""});
  }

  TEST_CASE("points are numbered with the last axis varying fastest") {
    const auto axes = grid_axes({{"a", "1,2"}, {"b", "x,y,z"}});
    REQUIRE(grid_size(axes) == 6);
    CHECK(grid_point(axes, 0) == std::vector<std::string>{"1", "x"});
    CHECK(grid_point(axes, 1) == std::vector<std::string>{"1", "y"});
    CHECK(grid_point(axes, 3) == std::vector<std::string>{"2", "x"});
    CHECK(grid_point(axes, 5) == std::vector<std::string>{"2", "z"});
    CHECK(grid_size({}) == 1);
    CHECK(grid_point({}, 0).empty());
  }
}
