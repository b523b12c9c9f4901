// The tests' own small generator for fuzz inputs and random storms: sim::splitmix64 stepped over one state, so
// a test's draws are the same on every run, machine and standard library. Test code only: the simulation draws
// from sim::rng's named streams, never from this, and its modulo ranges are slightly biased on purpose (cheap).
#pragma once

#include "sim/rng.hpp"

#include <cstdint>

namespace pilesim::test_support {

struct splitmix {
  std::uint64_t state;

  std::uint64_t next() { return sim::splitmix64(state); }
  // In [0, n); n must be above 0.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  // In [0, n]; 0 when n <= 0.
  std::int64_t upto(std::int64_t n) { return n <= 0 ? 0 : static_cast<std::int64_t>(next() % (n + 1)); }
  // In [lo, hi]; requires lo <= hi.
  std::int64_t in(std::int64_t lo, std::int64_t hi) { return lo + static_cast<std::int64_t>(next() % (hi - lo + 1)); }
  // True `percent` times in a hundred.
  bool coin(int percent) { return in(0, 99) < percent; }
};

}  // namespace pilesim::test_support
