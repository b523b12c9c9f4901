// The table a sweep writes, one row per run (columns in docs/studies.md): the columns, how one run's figures
// become its row's text, and writing rows as CSV or JSON. `merge` reads these files back, so the columns are
// named here once and nowhere else. Money stays integer until it is printed here; no row holds a newline.
#pragma once

#include "contract/money.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pilesim::tools {

// One run of the study, as its row says it.
struct run_row {
  std::uint64_t run = 0;                  // index in the unsharded study: point * seeds + seed offset
  std::vector<std::string> params;        // one value per axis
  std::uint64_t seed = 0;
  std::string result;                     // pass | fail | error
  bool ok = false;                        // the run held (or failed as `expect: {result: fail}` demands)
  std::string trace_hash;
  std::vector<std::string> failed_invariants;
  std::size_t expectation_failures = 0;
  std::size_t sessions = 0;
  std::size_t reconciled = 0;
  std::optional<sim::time_us> reconcile_us;  // max over reconciled sessions of reconciled_at - its start step
  std::optional<sim::time_us> reconcile_after_end_us;  // max over them of reconciled_at - its end on the pile
  money captured;                         // Σ charged
  money released;                         // Σ refunded
  std::uint64_t events = 0;
  double wall_s = 0;
  std::string repro;                      // filled for runs that did not hold
  std::uint64_t study_runs = 0;           // runs in the whole (unsharded) study: merge checks it has them all
  std::string version;                    // the pilesim that ran it
  std::string scenario_hash;              // of the scenario file's text (scenario_hash.hpp)
};

// The columns are "run", one per axis (named by its key path), then these, in this order.
extern const std::vector<std::string> columns_after_axes;

std::vector<std::string> sweep_header(const std::vector<std::string>& axis_paths);

// The row's fields in header order.
std::vector<std::string> row_fields(const run_row& r);

// Writes the header and rows to `path`: an array of objects (every value a string) when it ends in ".json",
// CSV otherwise. False when the file cannot be written.
bool write_rows(const std::string& path, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

}  // namespace pilesim::tools
