// The step agenda: which step of the scenario comes next, and when. next() yields steps in time order (file
// order among steps at the same instant); the player puts only that next step into the kernel's queue, so a
// long scenario keeps the event heap small. A generated workload would be another source of next().
// Neither performs a step: the player hands each one to the function it was given.
#pragma once

#include "scenarios/engine/run_draws.hpp"
#include "scenarios/engine/scenario.hpp"
#include "sim/kernel.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace pilesim::scenarios {

struct timed_step {
  sim::time_us at_us = 0;
  std::size_t index = 0;  // in the file
};

class agenda {
 public:
  // Draws every step's time now, in file order (the draws a run makes before any fault's).
  agenda(const std::vector<step>& steps, run_draws& draws);

  std::optional<timed_step> next();
  std::size_t size() const { return order_.size(); }
  // The time of the last step (0 without steps): the earliest the world can heal.
  sim::time_us last_at_us() const { return last_at_us_; }

 private:
  std::vector<timed_step> order_;  // every step, in the order they run
  std::size_t next_ = 0;           // the first one not yet yielded
  sim::time_us last_at_us_ = 0;
};

class agenda_player {
 public:
  using perform_fn = std::function<void(std::size_t index)>;

  // `a` must outlive the player; `perform` gets each step's index in the file when its time comes.
  agenda_player(sim::kernel& k, agenda& a, perform_fn perform);

  // Reserves the steps' places among same-instant events and schedules the first step. Reserving needs the
  // agenda's length up front; a source that learns its steps as it goes would take each step's place when it
  // yields it instead, which orders a step after the events already scheduled for its instant.
  void start();

 private:
  void schedule_next();

  sim::kernel& k_;
  agenda& agenda_;
  perform_fn perform_;
  std::uint64_t first_order_ = 0;  // step i runs at insertion number first_order_ + i
};

}  // namespace pilesim::scenarios
