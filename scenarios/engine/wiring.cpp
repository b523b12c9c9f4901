#include "scenarios/engine/wiring.hpp"

#include "contract/keys.hpp"
#include "sim/ble_link.hpp"

namespace pilesim::scenarios {
namespace {

const tariff_config& tariff_of(const scenario& s, const pile_config& p) { return p.tariff ? *p.tariff : s.tariff; }

void add_piles(world_parts& w, sim::kernel& k, const scenario& s, std::uint64_t seed) {
  for (const pile_config& p : s.piles) {
    const tariff_config& t = tariff_of(s, p);
    server::pile_config pc;
    pc.id = p.id;
    pc.key = contract::derive_pile_key(seed, p.id);
    pc.rate = t.rate();
    pc.no_show_fee = t.no_show_fee;
    pc.reservation_hold_us = t.reservation_hold_us;
    pc.authorization_ttl_us = t.authorization_ttl_us;
    (void)w.server->svc()->add_pile(pc);
    pile::firmware_config fc;
    fc.pile_id = p.id;
    fc.power_w = p.power_w;
    fc.key = pc.key;
    fc.bill_store = static_cast<std::size_t>(p.bill_store);
    pile::clock_config clock;
    clock.offset_us = p.clock_offset_us;
    clock.drift_ppm = p.clock_drift_ppm;
    w.piles.emplace(p.id, pile_parts{&p, std::make_unique<pile::pile_actor>(k, fc, clock)});
  }
}

// The registry of BLE links, with the scenario's `links.ble` drawn once for the run; also draws the WAN model.
void add_links(world_parts& w, sim::kernel& k, const scenario& s, run_draws& draws) {
  const ble_link_config& b = s.links.ble;
  sim::ble_model ble;
  ble.delay_min_us = b.delay_us.lo;
  ble.delay_max_us = b.delay_us.hi;
  ble.loss_ppb = draws.draw(b.loss_ppb);
  ble.duplicate_ppb = draws.draw(b.duplicate_ppb);
  w.wan_model.delay_min_us = s.links.wan.delay_us.lo;
  w.wan_model.delay_max_us = s.links.wan.delay_us.hi;
  w.wan_model.loss_ppb = draws.draw(s.links.wan.loss_ppb);
  // Drawn after the v1 keys, so that a file without the new keys draws what it always drew.
  ble.corrupt_ppb = draws.draw(b.corrupt_ppb);
  ble.connect_failure_ppb = draws.draw(b.connect_failure_ppb);
  ble.mtu = static_cast<std::size_t>(b.mtu);
  ble.conn_interval_us = b.conn_interval_us;
  ble.supervision_timeout_us = b.supervision_timeout_us;
  ble.packets_per_event = static_cast<std::uint32_t>(b.packets_per_event);
  w.ble = std::make_unique<link_registry>(k, ble);
  for (const pile_config& p : s.piles) w.ble->add_pile(p.id, *w.piles.at(p.id).actor);
}

agent::agent_config agent_config_of(const user_config& u, const std::string& token) {
  agent::agent_config ac;
  ac.user = u.id;
  ac.token = token;
  if (u.vehicle) {
    ac.vehicle.id = u.vehicle->id;
    ac.vehicle.battery_wh = u.vehicle->battery_wh;
    ac.vehicle.max_ac_w = u.vehicle->max_ac_w.value_or(0);
  }
  return ac;
}

// A phone wired to the server, and to the registry, which makes its BLE links as it meets piles.
void add_user(world_parts& w, sim::kernel& k, const user_config& u, const scenario& s, std::uint64_t seed) {
  user_parts& up = w.users[u.id];
  up.cfg = &u;
  const std::string token = contract::derive_user_token(seed, u.id);
  (void)w.server->svc()->add_user(u.id, token, u.balance, 0);
  up.wan = std::make_unique<sim::link>(k, "wan/" + u.id, w.wan_model);
  w.server->attach(*up.wan);
  link_registry* ble = w.ble.get();
  up.agent = std::make_unique<agent::agent>(k, agent_config_of(u, token), *up.wan,
                                            [ble, user = u.id](std::string_view pile) -> sim::ble_link* {
                                              return ble->link_for(user, pile);
                                            });
  w.ble->add_phone(u.id, *up.agent);
}

}  // namespace

std::unique_ptr<world_parts> wire(sim::kernel& k, const scenario& s, std::uint64_t seed, run_draws& draws,
                                  server::database& db) {
  auto w = std::make_unique<world_parts>();
  server::service_config sc;
  sc.seed = seed;
  w->server = std::make_unique<server::server_actor>(k, db, sc);
  add_piles(*w, k, s, seed);
  add_links(*w, k, s, draws);
  for (const user_config& u : s.users) add_user(*w, k, u, s, seed);
  return w;
}

}  // namespace pilesim::scenarios
