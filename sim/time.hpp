// Simulation time: integer microseconds since the start of a run. Never a wall clock and never a double,
// so that every machine computes the same instants.
#pragma once

#include <cstdint>

namespace pilesim::sim {

using time_us = std::int64_t;

inline constexpr time_us usec = 1;
inline constexpr time_us msec = 1'000;
inline constexpr time_us sec = 1'000'000;
inline constexpr time_us minute = 60 * sec;
inline constexpr time_us hour = 60 * minute;
inline constexpr time_us time_max = INT64_MAX / 4;  // "never"; far from overflow when durations are added

}  // namespace pilesim::sim
