// The BLE links between phones and piles: at most one per (user, pile) pair, owned here and found here alone.
// A link exists only for a pair that meets: link_for() makes it when the phone first comes near the pile or
// asks for it, and release_idle() frees the links of a phone that neither side holds anything on, so a city
// keeps a few links per phone, never one per pair. A link made later starts from the pile's model of the moment
// (a BLE fault's, during its window), and its radio is dead while its pile has no power.
// Links are visited by pile, then by user id, never in hash order: what a fault does to a pile's links
// schedules events, so the order must be fixed by the scenario alone.
#pragma once

#include "agent/agent.hpp"
#include "pile/pile_actor.hpp"
#include "scenarios/engine/id_map.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::scenarios {

class link_registry {
 public:
  // Every link starts from `model` (the scenario's `links.ble`, drawn once per run).
  link_registry(sim::kernel& k, sim::ble_model model);

  // A pile that links may be made to; links attach to `actor` in the order they are made.
  void add_pile(const std::string& id, pile::pile_actor& actor);
  // A phone whose links may be freed: the agent is asked whether it holds one, and told when one goes.
  void add_phone(const std::string& user, agent::agent& a);

  // The pair's link, made now if it has none; null for a pile never added.
  sim::ble_link* link_for(std::string_view user, std::string_view pile);
  // The pair's link if it has one, else null; never makes one.
  sim::ble_link* find(std::string_view user, std::string_view pile) const;
  // Frees every link of `user` except the one to `keep` on which nothing is going on: out of range, no
  // connection made or being made, nothing unacknowledged, the pile holding nothing for it and the phone's
  // client not using it. A link that is still busy stays, to be tried at the user's next move.
  void release_idle(std::string_view user, std::string_view keep);

  // Watches every transmission of every link, made so far or later (a capture writer); never changes a run.
  using transmission_hook = std::function<void(const sim::ble_link&, const sim::ble_transmission&)>;
  void on_transmission(transmission_hook h);

  // The model a link of `pile` made from now on starts from (a BLE fault's, for its window); the caller sets
  // the live links' own models (for_each_on), in the order its events need.
  void set_new_link_model(std::string_view pile, const sim::ble_model& m);

  // Calls fn(user, link) for every link of `pile`, in user id order.
  template <class F>
  void for_each_on(std::string_view pile, F&& fn) {
    auto it = piles_.find(pile);
    if (it == piles_.end()) return;
    for (auto& [user, link] : it->second.by_user) fn(user, *link);
  }

  // Packets sent either way on every link of `pile` so far, freed ones included.
  std::uint64_t frames_sent_on(std::string_view pile) const;

  const sim::ble_model& default_model() const { return model_; }
  // Links alive now, and made over the run (for the scale figures).
  std::size_t live() const { return live_; }
  std::uint64_t made() const { return made_; }

 private:
  void watch(sim::ble_link& link);

  struct pile_links {
    std::string id;
    pile::pile_actor* actor = nullptr;
    sim::ble_model model;
    std::map<std::string, std::unique_ptr<sim::ble_link>, std::less<>> by_user;  // the live links
    std::uint64_t sent_by_freed = 0;
  };
  struct phone_links {
    agent::agent* agent = nullptr;
    std::vector<pile_links*> piles;  // those it has a live link to
  };

  sim::kernel& k_;
  sim::ble_model model_;
  id_map<pile_links> piles_;
  id_map<phone_links> phones_;
  transmission_hook hook_;
  std::size_t live_ = 0;
  std::uint64_t made_ = 0;
};

}  // namespace pilesim::scenarios
