// A vehicle as the pile sees it through the cable: battery size, energy stored and on-board charger limit.
// Plain data owned by the world; the pile only borrows it while plugged and hands it back, charged, at unplug.
// It must never hold anything the pile could not physically learn (no user, no wallet).
#pragma once

#include <cstdint>
#include <string>

namespace pilesim::pile {

struct vehicle {
  std::string id;
  std::int64_t battery_wh = 0;  // usable capacity
  std::int64_t stored_mwh = 0;  // energy in the battery now; mWh so that sub-Wh energy survives a session
  std::int64_t max_ac_w = 0;    // on-board charger limit
};

}  // namespace pilesim::pile
