// What one run produced, as plain data: sessions, reservations, balances, refusals, the checks and their
// verdicts, the faults and whether each applied. Reports (table, JSON, JUnit) and sweeps read only this, so
// they never reach into a live world. Money stays integer minor units until it is printed.
#pragma once

#include "contract/money.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pilesim::scenarios {

struct session_outcome {
  std::string user;
  std::string pile;
  std::uint64_t session_id = 0;      // 0 when the start was refused before the server made one
  std::string state;                 // reconciled | open | refused | expired
  std::string stop_reason;           // empty until known
  std::string refused_why;           // who refused and why, as the phone saw it (refused, or expired unused)
  std::int64_t energy_wh = 0;
  money frozen;
  money charged;
  money refunded;
  std::optional<sim::time_us> reconciled_at_us;
};

struct reservation_outcome {
  std::string user;
  std::string pile;
  std::string state;                 // open | used | expired | cancelled | refused
};

struct check_outcome {
  std::string what;
  bool held = true;
  std::string detail;
  std::string file;  // an expectation: the file, line and column it was written at (empty, 0, 0: an invariant)
  int line = 0;
  int column = 0;
};

struct fault_outcome {
  sim::time_us at_us = 0;
  std::string kind;                  // ble | wan | server | pile
  std::string target;
  bool applied = false;              // touched some traffic or state during its window
};

struct run_outcome_report {
  std::string scenario;
  std::string file;
  std::uint64_t seed = 0;
  bool expect_fail = false;          // `expect: {result: fail}`
  bool passed = false;               // every invariant and expectation held (before expect_fail is applied)
  std::string trace_hash;
  std::uint64_t events = 0;
  std::uint64_t trace_events = 0;
  sim::time_us sim_us = 0;
  double wall_s = 0;                 // filled in by the command line, which alone may read a clock
  std::string kernel_failure;        // an actor threw or a bound broke
  std::vector<session_outcome> sessions;
  std::vector<reservation_outcome> reservations;
  std::map<std::string, money> balances;          // by user id (ordered)
  std::map<std::string, std::int64_t> refused;    // by kind (ordered)
  std::vector<check_outcome> invariants;
  std::vector<check_outcome> expectations;
  std::vector<fault_outcome> faults;

  // pass when everything held, or when the scenario must fail and something did not.
  bool ok() const { return expect_fail ? !passed : passed; }
  std::string result_word() const { return passed ? "pass" : "fail"; }
};

}  // namespace pilesim::scenarios
