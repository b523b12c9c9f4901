// Where each user's phone and car are: the phone in BLE range of at most one pile, the car in the user's hands
// or plugged into one pile's single connector. A move sets the BLE link's range or plugs and unplugs the pile,
// and every stretch of a phone in range is kept for the liveness check. It never talks to an agent (steps do)
// and never draws a random number.
#pragma once

#include "pile/pile_actor.hpp"
#include "scenarios/engine/invariants.hpp"
#include "scenarios/engine/scenario.hpp"
#include "scenarios/engine/wiring.hpp"
#include "sim/kernel.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pilesim::scenarios {

class user_physics {
 public:
  // Told of each phone that comes into range of a pile, after its link is in range.
  using near_listener = std::function<void(const std::string& user, const std::string& pile)>;

  user_physics(sim::kernel& k, const scenario& s, world_parts& parts);

  void on_near(near_listener fn) { on_near_ = std::move(fn); }

  // Into range of `pile` (out of range of any other first); no-op when already there.
  void go_near(const std::string& user, const std::string& pile);
  void go_away(const std::string& user);
  // Plugs the user's car into `pile` unless it is plugged already, the user has none, or another car is on it.
  void plug(const std::string& user, const std::string& pile);
  void unplug(const std::string& user);

  // Whether a car is plugged into `pile` now.
  bool plugged(const std::string& pile) const {
    auto it = occupied_by_.find(pile);
    return it != occupied_by_.end() && !it->second.empty();
  }
  // The users whose phone is in range of `pile` now, in user id order.
  std::vector<std::string> phones_near(const std::string& pile) const;
  // Every stretch a phone was in range of a pile, [from, to); one still open ends at `until`.
  const std::vector<presence>& presences() const { return presences_; }

 private:
  struct body {
    std::optional<pile::vehicle> vehicle;  // in the user's hands (not plugged)
    std::string plugged_at;                // pile id where the vehicle is plugged, if any
    std::string near;                      // pile id the phone is in range of, if any
    std::size_t open_presence = 0;         // index in presences_ of the stretch in range of `near`
  };

  void leave_range(const std::string& user, body& b);

  sim::kernel& k_;
  sim::time_us until_us_;
  world_parts& parts_;
  std::map<std::string, body, std::less<>> bodies_;  // by user id
  std::map<std::string, std::string> occupied_by_;   // pile id -> user whose car is plugged in
  std::map<std::string, std::set<std::string>, std::less<>> near_by_pile_;  // pile id -> users in range
  std::vector<presence> presences_;
  near_listener on_near_;
};

}  // namespace pilesim::scenarios
