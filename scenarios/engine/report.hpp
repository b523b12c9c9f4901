// Renders a run's outcome for people (a summary table) and for programs (one JSON document with the fields of
// SCENARIOS.md; money as exact decimal strings). Rendering reads the outcome only; it never re-runs anything.
#pragma once

#include "scenarios/engine/outcome.hpp"

#include <ostream>
#include <string>

namespace pilesim::scenarios {

// `repro` is the one command that reproduces the run (printed with the seed on every run).
void print_summary(std::ostream& out, const run_outcome_report& r, const std::string& repro);
std::string to_json(const run_outcome_report& r);

}  // namespace pilesim::scenarios
