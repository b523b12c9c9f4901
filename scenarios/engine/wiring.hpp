// Wiring: builds the parts of one world from a scenario — the server over its database, a pile actor per pile,
// and per user a WAN link and the phone's agent — and connects them, with the BLE links made through the link
// registry. It only constructs and connects: it never schedules an event, moves a user or reads an outcome.
// The order it builds in is part of the run (it fixes each pile's link order and the draws of link models).
#pragma once

#include "agent/agent.hpp"
#include "pile/pile_actor.hpp"
#include "scenarios/engine/link_registry.hpp"
#include "scenarios/engine/run_draws.hpp"
#include "scenarios/engine/scenario.hpp"
#include "server/database.hpp"
#include "server/server_actor.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace pilesim::scenarios {

struct pile_parts {
  const pile_config* cfg = nullptr;
  std::unique_ptr<pile::pile_actor> actor;
};

struct user_parts {
  const user_config* cfg = nullptr;
  std::unique_ptr<sim::link> wan;
  std::unique_ptr<agent::agent> agent;
};

// Members are destroyed in reverse: phones first, then the BLE links they use, then piles, then the server.
struct world_parts {
  std::unique_ptr<server::server_actor> server;
  std::map<std::string, pile_parts, std::less<>> piles;  // by id
  std::unique_ptr<link_registry> ble;
  sim::link_model wan_model;                             // every phone's WAN link outside a fault
  std::map<std::string, user_parts, std::less<>> users;  // by id
};

// Draws the BLE and WAN link models (in that order) from `draws`; `db` must outlive the parts.
std::unique_ptr<world_parts> wire(sim::kernel& k, const scenario& s, std::uint64_t seed, run_draws& draws,
                                  server::database& db);

}  // namespace pilesim::scenarios
