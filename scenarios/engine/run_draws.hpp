// The run's draws of what a scenario leaves as a range (link loss, step times, fault windows and models): one
// stream, "scenario/draws", read in a fixed order — wiring, then the agenda, then the faults, then steps as
// they run. An exact value draws nothing. Nothing else may read this stream, or every later draw would shift.
#pragma once

#include "scenarios/engine/scenario.hpp"
#include "sim/kernel.hpp"
#include "sim/rng.hpp"

#include <cstdint>

namespace pilesim::scenarios {

class run_draws {
 public:
  explicit run_draws(const sim::kernel& k) : rng_(k.stream("scenario/draws")) {}

  sim::time_us draw(const drawn<sim::time_us>& d) { return d.exact() ? d.lo : rng_.uniform_signed(d.lo, d.hi); }
  std::uint32_t draw(const drawn<std::uint32_t>& d) {
    return d.exact() ? d.lo : static_cast<std::uint32_t>(rng_.uniform(d.lo, d.hi));
  }

 private:
  sim::rng rng_;
};

}  // namespace pilesim::scenarios
