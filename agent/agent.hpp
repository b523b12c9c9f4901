// A user's phone, as the world sees it: the app running on it (replaced wholesale when the app is restarted),
// the storage that survives or not, and the observer's reports. The world hands it the user's commands at each
// step; the phone talks to the server over its WAN link (side 0) and to piles over BLE links (side phone).
// Like a real app it knows the pile's BLE protocol and the server's REST API, never their implementation.
#pragma once

#include "agent/commands.hpp"
#include "agent/config.hpp"
#include "agent/context.hpp"
#include "agent/reports.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace pilesim::agent {

class app;

class agent {
 public:
  using ble_lookup = std::function<sim::ble_link*(std::string_view pile)>;

  // `wan` must outlive the run, and every link `ble_to` returns must stay until forget(); the agent attaches its
  // sinks to them (the WAN link's side 0 now, a BLE link's phone side when it first uses it).
  agent(sim::kernel& k, agent_config cfg, sim::link& wan, ble_lookup ble_to);
  ~agent();
  agent(const agent&) = delete;
  agent& operator=(const agent&) = delete;

  // Spawns the app's coroutines.
  void start();
  // Plays one user command; they are carried out in order. app_restart takes effect at once: it must be called
  // from a scheduled event (as the world's steps are), never from inside an actor, because it destroys the
  // app's suspended coroutines and none of them may be half-way through being resumed.
  void command(agent_command c);

  const std::vector<start_attempt>& starts() const { return cx_.starts; }
  const std::vector<reservation_attempt>& reservations() const { return cx_.reservations; }
  const agent_counters& counters() const { return cx_.counters; }
  const std::string& user() const { return cx_.cfg.user; }
  // What the app's storage holds now (for reports and tests).
  std::size_t uploads_pending() const { return cx_.disk.box.uploads(); }
  std::size_t receipts_pending() const { return cx_.disk.box.receipts(); }

  // Whether the app's BLE client has `link` as its current one (so it may not be taken away).
  bool holds(const sim::ble_link& link) const;
  // Lets go of `link` (about to be destroyed); a later lookup of its pile may return a new one.
  void forget(const sim::ble_link& link);

 private:
  sim::ble_link* link_to(std::string_view pile);
  void restart(bool keep_data);

  sim::kernel& k_;
  sim::link& wan_;
  ble_lookup ble_to_;
  context cx_;
  std::vector<sim::ble_link*> attached_;  // BLE links whose phone side routes to this agent
  std::unique_ptr<app> app_;
  bool started_ = false;
};

}  // namespace pilesim::agent
