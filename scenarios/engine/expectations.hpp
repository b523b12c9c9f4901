// Checks a scenario's `expect` block against what a run produced. Each expectation gives one verdict line
// naming the file position it was written at, so a failing CI run points at the line to read.
// It never changes the outcome it reads, and it never treats an unknown refusal kind as zero.
#pragma once

#include "scenarios/engine/outcome.hpp"
#include "scenarios/engine/scenario.hpp"

#include <vector>

namespace pilesim::scenarios {

std::vector<check_outcome> check_expectations(const scenario& s, const run_outcome_report& r);

}  // namespace pilesim::scenarios
