#include "scenarios/engine/fleet.hpp"

#include "sim/rng.hpp"

namespace pilesim::scenarios {
namespace {

std::int64_t draw(sim::rng& r, const drawn<std::int64_t>& d) { return d.exact() ? d.lo : r.uniform_signed(d.lo, d.hi); }
money draw(sim::rng& r, const drawn<money>& d) { return d.exact() ? d.lo : money{r.uniform_signed(d.lo.minor, d.hi.minor)}; }

}  // namespace

pile_config generated_pile(const fleet_piles_config& f, std::int64_t i, std::uint64_t seed) {
  pile_config p;
  p.pos = f.pos;
  p.id = f.id(i);
  sim::rng r(seed, "fleet/pile/" + p.id);
  p.power_w = draw(r, f.power_w);
  p.bill_store = f.bill_store;
  return p;
}

user_config generated_user(const fleet_users_config& f, std::int64_t i, std::uint64_t seed) {
  user_config u;
  u.pos = f.pos;
  u.id = f.id(i);
  sim::rng r(seed, "fleet/user/" + u.id);
  // In this order: balance, battery, state of charge.
  u.balance = draw(r, f.balance);
  if (f.vehicle) {
    vehicle_config v;
    v.pos = f.pos;
    v.id = fleet_users_config::vehicle_id(u.id);
    v.battery_wh = draw(r, f.vehicle->battery_wh);
    v.soc_ppm = draw(r, f.vehicle->soc_ppm);
    v.max_ac_w = f.vehicle->max_ac_w;
    u.vehicle = v;
  }
  return u;
}

scenario with_fleet(const scenario& s, std::uint64_t seed) {
  scenario out = s;
  if (const auto& f = s.fleet.piles) {
    out.piles.reserve(out.piles.size() + static_cast<std::size_t>(f->count));
    for (std::int64_t i = 1; i <= f->count; ++i) out.piles.push_back(generated_pile(*f, i, seed));
  }
  if (const auto& f = s.fleet.users) {
    out.users.reserve(out.users.size() + static_cast<std::size_t>(f->count));
    for (std::int64_t i = 1; i <= f->count; ++i) out.users.push_back(generated_user(*f, i, seed));
  }
  return out;
}

}  // namespace pilesim::scenarios
