// The generated workload (`workload`, format 1.1), driven as the run goes: each generated user has one pending
// next arrival in the kernel's queue (Poisson, drawn from the user's own stream "workload/<id>"), never a list of
// the run's steps. An arrival goes to a random site and takes a pile there that is free — no car plugged, nothing
// this workload planned on it, no open reservation at the server overlapping the stay — trying at most 3 sites
// before it gives up. A session is the listed steps' own paths (step_actions): optionally reserve ahead, start,
// leave after `stay`, come back after `return_after` to stop and unplug, or — never_return — come back with an
// app that lost its data: the car is unplugged, the phone never reconnects, and the pile keeps the bill for the
// next phone. A user's arrival while its previous session is still under way is skipped.
#pragma once

#include "scenarios/engine/id_map.hpp"
#include "scenarios/engine/scenario.hpp"
#include "scenarios/engine/step_actions.hpp"
#include "server/database.hpp"
#include "sim/rng.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pilesim::scenarios {

// -ln(u / 2^32) for u in [1, 2^32], in Q32 fixed point, with integers only (the same on every machine).
std::uint64_t neg_ln_q32(std::uint64_t u);
// The time to a Poisson process's next event at `per_day_ppm` events per day (millionths), drawn from `r`.
sim::time_us poisson_gap_us(sim::rng& r, std::int64_t per_day_ppm);

class workload_driver {
 public:
  // `s` is the scenario with its fleet made (fleet.hpp): its generated users are its last fleet.users.count.
  workload_driver(const scenario& s, std::uint64_t seed, step_world w, server::database& db);

  // Schedules every generated user's first arrival, in user order.
  void start();

  std::int64_t gave_up() const { return gave_up_; }
  std::int64_t sessions_begun() const { return begun_; }
  // The time of the last step it performed (0 before any).
  sim::time_us last_step_us() const { return last_step_us_; }

 private:
  struct user_state {
    std::size_t index = 0;  // in s.users
    sim::rng rng;
    bool busy = false;      // a session is under way
  };

  void arrive(std::size_t u);
  void schedule_next(std::size_t u);
  // A free pile at one of at most 3 random sites for [from, to), or empty.
  std::string choose(user_state& u, sim::time_us from, sim::time_us to);
  bool free(const std::string& pile, sim::time_us from, sim::time_us to);
  void perform(const step& st);
  void finish(std::size_t u, const std::string& pile);

  const scenario& s_;
  const workload_config& w_;
  const fleet_piles_config& piles_;
  step_world world_;
  server::database& db_;
  std::vector<user_state> users_;
  id_map<sim::time_us> claimed_until_;  // pile -> end of the session this workload planned on it
  std::int64_t gave_up_ = 0;
  std::int64_t begun_ = 0;
  sim::time_us last_step_us_ = 0;
};

}  // namespace pilesim::scenarios
