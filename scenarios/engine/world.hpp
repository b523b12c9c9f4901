// Builds one simulated world from a scenario — kernel, server over SQLite, piles, phones, BLE and WAN links —
// plays its steps and faults in virtual time, and returns what happened as plain data. Everything random is
// drawn from the run's seed, so the same scenario and seed give the same outcome and trace hash.
// It reads no clock and touches no network; the caller times the run if it wants a wall figure.
#pragma once

#include "scenarios/engine/outcome.hpp"
#include "scenarios/engine/scenario.hpp"
#include "sim/ble_link.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <span>
#include <string>
#include <string_view>

namespace pilesim::scenarios {

// Sees a run's traffic as it is sent (a corpus writer: fuzz/record_corpus.cpp): every frame handed to a WAN link
// (HTTP bytes; side 0 is the phone) and every BLE transmission. Observers only: a run with them is the same run.
struct traffic_tap {
  std::function<void(std::string_view link, sim::time_us at, int side, std::span<const std::uint8_t> frame)> wan;
  std::function<void(std::string_view link, const sim::ble_transmission& t)> ble;
};

struct run_options {
  std::optional<std::uint64_t> seed;   // overrides the file's seed
  std::ostream* trace_out = nullptr;   // JSON lines of every event when set
  std::uint64_t checkpoint_every = 0;  // with trace_out: a checkpoint line after every N events (0: none)
  std::string db_path = ":memory:";    // a file path keeps the server's SQLite database (WAL) for inspection
  traffic_tap traffic;                 // unset in ordinary runs
  std::function<void()> simulated;     // observer: the simulation is over, the checks begin (to time them)
};

// Thrown for input the scenario file could not catch (an unusable --db path): the command line maps it to
// exit code 2. Never thrown for anything that happens inside the simulation.
struct world_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

run_outcome_report run_scenario(const scenario& s, const run_options& o);

}  // namespace pilesim::scenarios
