// Outcome assembly: turns what a finished run left — the server's database through its read model, each
// phone's record of its attempts, each pile's counters and meter log, the played faults and the phones' stretches
// in range — into a run_outcome_report, and runs the invariants and the expectations over it. It only reads:
// nothing here changes the world or adds to its trace.
#pragma once

#include "scenarios/engine/faults.hpp"
#include "scenarios/engine/invariants.hpp"
#include "scenarios/engine/outcome.hpp"
#include "scenarios/engine/scenario.hpp"
#include "scenarios/engine/wiring.hpp"
#include "server/database.hpp"
#include "sim/kernel.hpp"
#include "sim/trace.hpp"

#include <cstdint>
#include <vector>

namespace pilesim::scenarios {

struct run_sources {
  const scenario& s;
  std::uint64_t seed;
  const sim::run_outcome& out;
  server::database& db;
  const world_parts& parts;
  const std::vector<played_fault>& faults;  // in file order
  const std::vector<presence>& presences;
  sim::time_us last_step_us;                // the earliest the world heals
  const sim::trace& trace;
  std::int64_t gave_up = 0;                 // users of the workload who found no free pile
};

run_outcome_report collect(const run_sources& src);

}  // namespace pilesim::scenarios
