// A sweep's statistics against values worked out by hand and published tables.
#include "tools/stats.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace pilesim::tools;

TEST_SUITE("tools/stats") {
  TEST_CASE("the Wilson interval matches published values and stays within [0, 1]") {
    // 20 of 20: [83.9, 100]%; 11 of 20: [34.2, 74.2]% (Wilson 1927, z = 1.96).
    const auto all = wilson_interval(20, 20);
    CHECK(all.first == doctest::Approx(0.8389).epsilon(0.0005));
    CHECK(all.second == 1.0);
    const auto some = wilson_interval(11, 20);
    CHECK(some.first == doctest::Approx(0.3421).epsilon(0.0005));
    CHECK(some.second == doctest::Approx(0.7418).epsilon(0.0005));
    const auto none = wilson_interval(0, 10);
    CHECK(none.first == 0.0);
    CHECK(none.second == doctest::Approx(0.2775).epsilon(0.0005));
    CHECK(wilson_interval(0, 0) == std::pair{0.0, 1.0});
  }

  TEST_CASE("nearest rank picks a sample value, never an interpolation") {
    const std::vector<double> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(nearest_rank(v, 0.50) == 5);
    CHECK(nearest_rank(v, 0.95) == 10);
    CHECK(nearest_rank(v, 0.01) == 1);
    CHECK(nearest_rank({7.5}, 0.99) == 7.5);
    CHECK(std::isnan(nearest_rank({}, 0.5)));
  }
}
