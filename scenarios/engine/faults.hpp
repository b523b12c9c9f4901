// Fault injection: each configured fault becomes kernel events at its begin and at the end of its window, and
// whether it applied — touched some traffic or state in its window — is judged in one place, fault_applied(),
// from what its planner observed. Planners (fault_planners.hpp, one per kind) change the world and count; they
// never judge. Faults are planned in file order, drawing in file order, so the kernel's order never moves.
#pragma once

#include "scenarios/engine/run_draws.hpp"
#include "scenarios/engine/scenario.hpp"
#include "scenarios/engine/user_physics.hpp"
#include "scenarios/engine/wiring.hpp"
#include "server/database.hpp"
#include "sim/kernel.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pilesim::scenarios {

// What a planner counted of the world for one fault. Every count only grows, so "touched" is after > before.
struct fault_observations {
  // Its begin changed live state at once: cut a live connection, cut a pile's power, or crashed the server
  // with timed work (an expiry, a hold release) falling due in the window, to be done late.
  bool changed_state = false;
  std::uint64_t traffic_before = 0;            // frames sent or requests dropped that it could touch, at begin
  std::optional<std::uint64_t> traffic_after;  // the same count at its end; nullopt: judged by its begin alone
  // BLE connection attempts of the phones that were near its pile at some time in its window, at begin and end:
  // a pile made unreachable is touched by those attempts even when no frame is ever sent.
  std::uint64_t attempts_before = 0;
  std::uint64_t attempts_after = 0;
};

// The one judge: a fault applied when its begin changed state or some count it watches grew in its window.
bool fault_applied(const fault_observations& o);

// One configured fault as the run plays it.
struct fault_record {
  const fault* f = nullptr;
  sim::time_us at_us = 0;
  sim::time_us window_end_us = sim::time_max;  // its end event; time_max: it lasts to the end of the run
  sim::time_us end_us = sim::time_max;         // when the previous state returns (heal); time_max: never
  std::string kind;                            // ble | wan | server | pile, as reports name it
  std::string target;
  bool active = false;                         // between its begin and its end (kept where phones are watched)
  std::set<std::string> watched_piles;         // phones coming near these piles while active are counted
  std::set<std::string> near_phones;           // those phones (and the ones near at its begin)
  std::map<std::string, std::uint64_t> attempts_at_begin;  // every phone's connection attempts at its begin
  fault_observations seen;
  // Takes the counts of its end into `seen`: run by its end event, or at the run's end if it has none and
  // never ends. Empty for a fault judged by its begin alone.
  std::function<void(fault_record&)> observe_end;
};

// What planners may reach; everything in it outlives the run's events.
struct fault_context {
  sim::kernel& k;
  run_draws& draws;
  world_parts& parts;
  const user_physics& physics;
  server::database& db;
};

// A played fault with its verdict, for the report, the vacuity check and the heal time.
struct played_fault {
  std::size_t index = 0;  // in the file
  std::string kind;
  std::string target;
  sim::time_us at_us = 0;
  sim::time_us end_us = sim::time_max;
  bool applied = false;
};

class fault_injector {
 public:
  explicit fault_injector(fault_context cx) : cx_(cx) {}

  // Draws each fault's window and values and schedules its events, in file order.
  void schedule(const std::vector<fault>& faults);
  // A phone came into range of `pile` (user physics tells).
  void phone_near(const std::string& user, const std::string& pile);
  // After the run: observes the faults that never end, then judges every fault, in file order.
  std::vector<played_fault> finish();

 private:
  fault_context cx_;
  std::deque<fault_record> records_;  // a deque: events hold references into it
};

}  // namespace pilesim::scenarios
