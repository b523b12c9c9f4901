// What one step of the scenario does when its time comes: it is traced, moves the user's phone or car (user
// physics) and gives the user's app the matching command. Reserve draws its window here, as the step runs.
// It decides nothing about when steps run (the agenda does) and never looks at outcomes.
#pragma once

#include "scenarios/engine/run_draws.hpp"
#include "scenarios/engine/scenario.hpp"
#include "scenarios/engine/user_physics.hpp"
#include "scenarios/engine/wiring.hpp"
#include "sim/kernel.hpp"

namespace pilesim::scenarios {

struct step_world {
  sim::kernel& k;
  run_draws& draws;
  world_parts& parts;
  user_physics& physics;
};

void perform_step(const step& st, step_world& w);

}  // namespace pilesim::scenarios
