// The few statistics a sweep reports: a success rate's confidence interval and percentiles of a sample. Plain
// functions of their arguments (no state, no randomness), so that a merged sweep reports what an unsharded one does.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace pilesim::tools {

// Wilson score interval for `ok` successes out of `n` at 95 %: {low, high} within [0, 1]; {0, 1} when n == 0.
std::pair<double, double> wilson_interval(std::uint64_t ok, std::uint64_t n);

// The p-quantile (0 < p <= 1) of an ascending sample by the nearest-rank method: always one of its values,
// never an interpolation. NaN for an empty sample.
double nearest_rank(const std::vector<double>& sorted, double p);

}  // namespace pilesim::tools
