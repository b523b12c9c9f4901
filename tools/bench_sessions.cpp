#include "tools/bench_sessions.hpp"

#include "tools/instruction_counter.hpp"
#include "tools/process_figures.hpp"

#include "scenarios/engine/scenario.hpp"
#include "scenarios/engine/world.hpp"

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

namespace pilesim::tools {
namespace {

scenarios::scenario make_scenario(const bench_sessions_options& o) {
  using namespace scenarios;
  scenario s;
  s.file = "<bench sessions>";
  s.name = "bench sessions";
  s.seed = o.seed;
  const std::uint64_t per_pile = (o.sessions + o.piles - 1) / o.piles;
  const sim::time_us slot = 40 * sim::minute;  // start, 20 minutes of charge, stop, unplug, then the next
  s.until_us = static_cast<sim::time_us>(per_pile + 1) * slot;
  std::uint64_t made = 0;
  for (std::uint64_t p = 0; p < o.piles; ++p) {
    pile_config pc;
    pc.id = "P" + std::to_string(p + 1);
    pc.power_w = 7000;
    s.piles.push_back(pc);
    user_config u;
    u.id = "u" + std::to_string(p + 1);
    u.balance = money{100'000'000};
    vehicle_config v;
    v.id = "V" + std::to_string(p + 1);
    v.battery_wh = 1'000'000;  // a battery that never fills during the bench
    v.soc_ppm = 100'000;
    u.vehicle = v;
    s.users.push_back(u);
  }
  for (std::uint64_t k = 0; k < per_pile; ++k) {
    for (std::uint64_t p = 0; p < o.piles && made < o.sessions; ++p, ++made) {
      const std::string user = "u" + std::to_string(p + 1);
      const std::string pile = "P" + std::to_string(p + 1);
      const sim::time_us t0 = static_cast<sim::time_us>(k) * slot + static_cast<sim::time_us>(p) * sim::sec;
      step start;
      start.at_us = {t0 + sim::minute, t0 + sim::minute};
      start.user = user;
      start.action = step_action::start;
      start.pile = pile;
      start.amount = money{5000};
      step stop = start;
      stop.action = step_action::stop;
      stop.at_us = {t0 + 21 * sim::minute, t0 + 21 * sim::minute};
      step unplug = start;
      unplug.action = step_action::unplug;
      unplug.at_us = {t0 + 22 * sim::minute, t0 + 22 * sim::minute};
      s.steps.push_back(start);
      s.steps.push_back(stop);
      s.steps.push_back(unplug);
    }
  }
  return s;
}

}  // namespace

int bench_sessions(const bench_sessions_options& o, std::ostream& out) {
  const scenarios::scenario s = make_scenario(o);
  instruction_counter counter;
  std::optional<std::string> no_counter;
  if (o.count_instructions) no_counter = counter.open();
  counter.start();
  const auto t0 = std::chrono::steady_clock::now();
  scenarios::run_outcome_report r = scenarios::run_scenario(s, {});
  const std::uint64_t instructions = counter.stop();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t reconciled = 0;
  for (const auto& x : r.sessions) reconciled += x.state == "reconciled" ? 1 : 0;
  bool invariants = true;
  for (const auto& c : r.invariants) invariants = invariants && c.held;
  char line[256];
  out << "workload: " << o.sessions << " sessions over " << o.piles << " piles (20 min of charge each), seed "
      << o.seed << "\n";
  std::snprintf(line, sizeof line, "sessions_reconciled: %llu of %zu\n", static_cast<unsigned long long>(reconciled),
                r.sessions.size());
  out << line;
  out << "invariants: " << (invariants ? "held" : "FAILED") << "\n";
  out << "allocator: " << allocator_name() << "\n";
  out << "events: " << r.events << "\n";
  out << "wall_seconds: " << wall_s << "\n";
  out << "events_per_s: " << static_cast<std::uint64_t>(static_cast<double>(r.events) / wall_s) << "\n";
  out << "peak_rss_kib: " << peak_rss_kib() << "\n";
  out << "sessions_per_s: " << static_cast<std::uint64_t>(static_cast<double>(reconciled) / wall_s) << "\n";
  std::snprintf(line, sizeof line, "sim_wall_ratio: %.0f\n", static_cast<double>(r.sim_us) / 1e6 / wall_s);
  out << line;
  if (o.count_instructions) {
    // The whole run (wiring, every session, the final checks), over the sessions it reconciled.
    if (no_counter) {
      out << "instructions_per_session: unavailable: " << *no_counter << "\n";
    } else {
      out << "instructions: " << instructions << "\n";
      out << "instructions_per_session: " << (reconciled ? instructions / reconciled : 0) << "\n";
      out << "instructions_per_event: " << (r.events ? instructions / r.events : 0) << "\n";
    }
  }
  return reconciled == o.sessions && invariants ? 0 : 1;
}

}  // namespace pilesim::tools
