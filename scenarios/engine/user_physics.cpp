#include "scenarios/engine/user_physics.hpp"

namespace pilesim::scenarios {
namespace {

std::optional<pile::vehicle> vehicle_of(const user_config& u) {
  if (!u.vehicle) return std::nullopt;
  pile::vehicle v;
  v.id = u.vehicle->id;
  v.battery_wh = u.vehicle->battery_wh;
  // soc in ppm of the capacity, in mWh: battery_wh * 1000 * ppm / 1e6
  v.stored_mwh = u.vehicle->battery_wh * u.vehicle->soc_ppm / 1000;
  v.max_ac_w = u.vehicle->max_ac_w.value_or(0);
  return v;
}

}  // namespace

user_physics::user_physics(sim::kernel& k, const scenario& s, world_parts& parts)
    : k_(k), until_us_(s.until_us), parts_(parts) {
  for (const user_config& u : s.users) bodies_[u.id].vehicle = vehicle_of(u);
}

void user_physics::go_near(const std::string& user, const std::string& pile) {
  body& b = bodies_.at(user);
  if (b.near == pile) return;
  if (!b.near.empty()) leave_range(user, b);
  b.near = pile;
  parts_.ble->release_idle(user, pile);  // the links of earlier meetings that have gone quiet
  near_by_pile_[pile].insert(user);
  parts_.ble->link_for(user, pile)->set_in_range(true);
  if (on_near_) on_near_(user, pile);
  b.open_presence = presences_.size();
  presences_.push_back({user, pile, k_.now(), until_us_});
}

void user_physics::go_away(const std::string& user) {
  body& b = bodies_.at(user);
  if (b.near.empty()) return;
  leave_range(user, b);
  b.near.clear();
}

// Out of range of `b.near`, ending its stretch in range (for the liveness check).
void user_physics::leave_range(const std::string& user, body& b) {
  parts_.ble->link_for(user, b.near)->set_in_range(false);
  near_by_pile_[b.near].erase(user);
  presences_[b.open_presence].to_us = k_.now();
}

void user_physics::plug(const std::string& user, const std::string& pile) {
  body& b = bodies_.at(user);
  if (!b.plugged_at.empty() || !b.vehicle) return;
  std::string& on_it = occupied_by_[pile];
  if (!on_it.empty()) return;  // one connector: another car is on it (the start will be refused)
  on_it = user;
  const pile_parts& p = parts_.piles.at(pile);
  pile::vehicle v = *b.vehicle;
  if (v.max_ac_w == 0) v.max_ac_w = p.cfg->power_w;  // SCENARIOS.md: default is the pile's power
  p.actor->plug(v);
  b.vehicle.reset();
  b.plugged_at = pile;
}

void user_physics::unplug(const std::string& user) {
  body& b = bodies_.at(user);
  if (b.plugged_at.empty()) return;
  if (auto v = parts_.piles.at(b.plugged_at).actor->unplug()) b.vehicle = *v;
  occupied_by_[b.plugged_at].clear();
  b.plugged_at.clear();
}

std::vector<std::string> user_physics::phones_near(const std::string& pile) const {
  auto it = near_by_pile_.find(pile);
  if (it == near_by_pile_.end()) return {};
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

}  // namespace pilesim::scenarios
