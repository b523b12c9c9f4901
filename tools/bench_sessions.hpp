// `pilesim bench sessions`: N complete reserve-free start -> charge -> stop -> reconcile sessions through the
// whole system (real in-memory SQLite, real HTTP bytes through Beast, real MACs), spread over several piles
// and users, and prints sessions/s and the simulated/wall ratio. Prints figures; asserts nothing about speed.
#pragma once

#include <cstdint>
#include <ostream>

namespace pilesim::tools {

struct bench_sessions_options {
  std::uint64_t sessions = 2000;
  std::uint64_t piles = 20;     // one user per pile, each charging sessions back to back
  std::uint64_t seed = 1;
  bool count_instructions = false;  // print instructions per session from the CPU's counter
};

int bench_sessions(const bench_sessions_options& o, std::ostream& out);

}  // namespace pilesim::tools
