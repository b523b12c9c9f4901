// Renders a run's outcome for people (a summary table) and for programs (one JSON document with the fields of
// SCENARIOS.md; money as exact decimal strings). Rendering reads the outcome only; it never re-runs anything.
// A run of more than `rows_listed_max` sessions is summed up rather than listed, unless rows are asked for.
#pragma once

#include "scenarios/engine/outcome.hpp"

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

namespace pilesim::scenarios {

inline constexpr std::size_t rows_listed_max = 50;

// `--sessions`: list each session, reservation and balance when there are few (automatic), always, or never.
enum class session_rows : std::uint8_t { automatic, all, none };

bool lists_rows(const run_outcome_report& r, session_rows rows);

struct report_options {
  std::string repro;          // the line that reproduces the run (command and note)
  std::string repro_command;  // the command alone, to which a session's own lookup is appended
  std::string repro_note;     // "  # pilesim 0.1.0, scenario ..."
  session_rows rows = session_rows::automatic;
};

// `repro` is the one command that reproduces the run (printed with the seed on every run).
void print_summary(std::ostream& out, const run_outcome_report& r, const std::string& repro,
                   session_rows rows = session_rows::automatic);
std::string to_json(const run_outcome_report& r, const report_options& o = {});

// The command that reproduces the run and shows one session of it.
std::string session_repro(const report_options& o, std::uint64_t session_id);

}  // namespace pilesim::scenarios
