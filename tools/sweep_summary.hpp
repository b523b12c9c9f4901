// The table `sweep` and `merge` print on stdout: per grid point the runs, the successes, the success rate with
// its Wilson 95 % interval and p50/p95/p99 of the time to reconcile, then the failing runs with the commands that
// reproduce them. It is read from the rows' text, as the CSV holds it, so that merging shard files prints exactly
// what the unsharded sweep printed; it never reruns or re-measures anything.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

inline constexpr std::size_t failing_listed_max = 20;  // the CSV's repro column lists them all

// Prints the table for `rows` laid out as `header` says (a sweep_header); returns how many runs did not hold.
std::size_t print_sweep_summary(std::ostream& out, const std::vector<std::string>& header,
                                const std::vector<std::vector<std::string>>& rows);

// `v` with `digits` decimals ("3600.6"); "-" for NaN, which is what an empty sample's percentile is.
std::string fixed_text(double v, int digits);

}  // namespace pilesim::tools
