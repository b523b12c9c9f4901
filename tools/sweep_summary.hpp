// The table `sweep` and `merge` print on stdout: per grid point the runs, the successes, the success rate with
// its Wilson 95 % interval, the runs that broke an invariant and those that only missed expectations, and
// p50/p95/p99 of the time to reconcile, then the failing runs with the commands that
// reproduce them. It is read from the rows' text, as the CSV holds it, so that merging shard files prints exactly
// what the unsharded sweep printed; it never reruns or re-measures anything.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

inline constexpr std::size_t failing_listed_max = 20;  // the CSV's repro column lists them all

// How the runs of a study came out, as the exit code reads it. A run that is not `ok` either broke an invariant
// (or could not be built: result "error") or only missed expectations; a study's missed expectations are its data.
struct sweep_tally {
  std::size_t runs = 0;
  std::size_t not_ok = 0;
  std::size_t invariant_broken = 0;    // not ok, with an invariant failure or result "error"
  std::size_t expectation_missed = 0;  // not ok, every invariant held: expectations (or `result: fail`) missed
};

// Prints the table for `rows` laid out as `header` says (a sweep_header); returns how the runs came out.
sweep_tally print_sweep_summary(std::ostream& out, const std::vector<std::string>& header,
                                const std::vector<std::vector<std::string>>& rows);

// The exit code of a study (sweep, merge): 0 when every invariant held, 1 when one broke; with `strict` a missed
// expectation is a failure (1) too.
int study_exit_code(const sweep_tally& t, bool strict);

// `v` with `digits` decimals ("3600.6"); "-" for NaN, which is what an empty sample's percentile is.
std::string fixed_text(double v, int digits);

}  // namespace pilesim::tools
