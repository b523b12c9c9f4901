// The run added up: counts by state and stop reason, energy and money, the reconcile-delay percentiles, the
// slowest reconciliations, peak frozen money, and an hourly series of sessions active, money frozen and bills
// waiting. Made after the run from the records the invariants read anyway, in time n log n and memory linear in
// the sessions; it reads only plain data, so that a test can hand it any history.
#pragma once

#include "scenarios/engine/invariants.hpp"
#include "scenarios/engine/outcome.hpp"
#include "server/read_model.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pilesim::scenarios {

inline constexpr std::size_t slowest_max = 10;  // the slowest reconciliations a report lists

struct aggregate_sources {
  const std::vector<server::session_summary>& sessions;          // by id
  const std::vector<server::reservation_summary>& reservations;
  const std::vector<metered_session>& metered;                    // what the piles' meters saw
  const std::vector<session_outcome>& starts;                     // every start a phone made
  const std::vector<reservation_outcome>& reserved;               // every reservation a phone asked for
  const std::vector<server::hold_change>& holds;                  // in ledger order
  sim::time_us until_us = 0;
  std::int64_t gave_up = 0;
  sim::time_us step_us = 3600 * sim::sec;
};

run_aggregates aggregate(const aggregate_sources& src);

// Nearest rank: the smallest value with at least p % of the values at or below it; 0 for no values.
// `sorted` must be ascending.
sim::time_us percentile(const std::vector<sim::time_us>& sorted, int p);

}  // namespace pilesim::scenarios
