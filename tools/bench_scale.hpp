// `pilesim bench scale`: the same workload at three sizes — a station (10 piles / 100 users / 1 day), a district
// (1,000 / 10,000 / 1 day) and a city-day (10,000 / 100,000 / 1 day) — each run in a child process of its own, so
// that each size's peak memory is its own. Prints per size the events, wall and CPU time, CPU µs per event, peak
// memory and the simulated/wall ratio, then how the largest size's µs per event compares with the smallest's:
// the figure that says whether cost grows with events alone. Prints figures; asserts nothing about speed.
#pragma once

#include "scenarios/engine/scenario.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

struct scale_size {
  std::string name;
  std::uint64_t piles = 0;
  std::uint64_t users = 0;  // ten per pile: each pile is the home pile of ten users
  std::uint64_t days = 1;
};

struct bench_scale_options {
  std::vector<std::string> sizes{"station", "district", "city-day"};  // any of these, in this order
  std::uint64_t seed = 1;
  // Where the server's SQLite database lives: "memory" (the default, as `pilesim run`), or "file": a WAL file
  // database in the system's temporary directory, one per size, removed after it.
  std::string db = "memory";
};

// The sizes `bench scale` knows, smallest first.
const std::vector<scale_size>& scale_sizes();

// The workload of one size, every pile, user and step listed (no generator): each user's home pile is pile
// (user mod piles); each pile's users take turns through the day, one to three sessions each, every session
// reserve -> start -> leave (the car charges alone) -> arrive -> unplug, the phone carrying the bill.
scenarios::scenario scale_scenario(const scale_size& z, std::uint64_t seed);

int bench_scale(const bench_scale_options& o, std::ostream& out);

}  // namespace pilesim::tools
