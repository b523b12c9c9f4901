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
  // The pile's clock at the start less the server's at issue, as the server's database has them: the pile's
  // offset plus the relay time. Nullopt until the pile's word of a start reached the server.
  std::optional<std::int64_t> pile_clock_offset_us;
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

// A session whose bill took long to reach the server: from its end on the pile to its reconciliation.
struct slow_reconciliation {
  std::uint64_t session_id = 0;
  std::string user;
  std::string pile;
  sim::time_us ended_at_us = 0;
  sim::time_us reconciled_at_us = 0;
  sim::time_us delay_us() const { return reconciled_at_us - ended_at_us; }
};

// The run hour by hour (every `step_us` from t = 0, the last one ending at `until`): for each, the most of each
// figure at any instant of it, so that what lasts minutes still shows.
struct run_series {
  sim::time_us step_us = 3600 * sim::sec;
  std::vector<sim::time_us> at_us;            // each hour's start
  std::vector<std::int64_t> sessions_active;  // started on their pile and not yet ended there
  std::vector<money> money_frozen;            // what the ledger holds for sessions
  std::vector<std::int64_t> bills_waiting;    // ended on their pile, not yet reconciled at the server
};

// Over every reconciled session that ended on its pile: nearest-rank percentiles of end -> reconciliation.
struct delay_percentiles {
  std::uint64_t count = 0;
  sim::time_us p50_us = 0;
  sim::time_us p95_us = 0;
  sim::time_us p99_us = 0;
  sim::time_us max_us = 0;
};

// What a whole run adds up to: what an operator reads of a fleet, and what `expect.totals/shares/delays` check.
struct run_aggregates {
  std::int64_t sessions = 0;       // the server created
  std::int64_t started = 0;        // of those, started by their pile
  std::int64_t reconciled = 0;
  std::int64_t expired = 0;
  std::int64_t open = 0;           // authorized or started, not settled at until
  std::int64_t starts_refused = 0; // start requests the server refused (no session made)
  std::int64_t gave_up = 0;        // users who found no free pile
  std::map<std::string, std::int64_t> by_state;        // every start, as session_outcome::state says
  std::map<std::string, std::int64_t> by_stop_reason;  // the server's sessions with a stop reason
  std::map<std::string, std::int64_t> reservations;    // by state
  std::int64_t energy_wh = 0;      // billed
  money captured;                  // Σ charged
  money refunded;
  money fees;                      // no-show fees
  money still_frozen;              // held at until
  money peak_frozen;
  sim::time_us peak_frozen_at_us = 0;
  std::int64_t bills_waiting_at_end = 0;
  delay_percentiles reconcile;
  std::vector<slow_reconciliation> slowest;  // the longest first, at most slowest_max
  run_series series;
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
  run_aggregates totals;
  double check_wall_s = 0;           // of wall_s, the checks after the simulation (filled in by the command line)

  // pass when everything held, or when the scenario must fail and something did not.
  bool ok() const { return expect_fail ? !passed : passed; }
  std::string result_word() const { return passed ? "pass" : "fail"; }
};

}  // namespace pilesim::scenarios
