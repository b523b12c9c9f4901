// The generated part of a scenario (`fleet`, format 1.1): piles and users made from counts, each drawn from a
// stream named after it ("fleet/pile/P17", "fleet/user/U5"), so the same seed gives the same fleet and adding a
// user never changes another's draws. Generated piles and users follow the listed ones.
#pragma once

#include "scenarios/engine/scenario.hpp"

#include <cstdint>

namespace pilesim::scenarios {

// The pile's and the user's draws, on their own.
pile_config generated_pile(const fleet_piles_config& f, std::int64_t i, std::uint64_t seed);
user_config generated_user(const fleet_users_config& f, std::int64_t i, std::uint64_t seed);

// `s` with its fleet's piles and users appended (a copy; `s` itself when it has no fleet is returned as is).
scenario with_fleet(const scenario& s, std::uint64_t seed);

}  // namespace pilesim::scenarios
