// The BLE links between phones and piles: one per (user, pile) pair, owned here and found here alone.
// link_for() finds a pair's link or makes it (attaching the pile's side to the pile), so a world where phones
// meet few piles need only make links for the pairs that meet; wiring still makes every pair up front.
// Links are visited by pile, then by user id, never in hash order: what a fault does to a pile's links
// schedules events, so the order must be fixed by the scenario alone.
#pragma once

#include "pile/pile_actor.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace pilesim::scenarios {

class link_registry {
 public:
  // Every link starts from `model` (the scenario's `links.ble`, drawn once per run).
  link_registry(sim::kernel& k, sim::ble_model model);

  // A pile that links may be made to; links attach to `actor` in the order they are made.
  void add_pile(const std::string& id, pile::pile_actor& actor);

  // The pair's link, made now if it has none; null for a pile never added.
  sim::ble_link* link_for(std::string_view user, std::string_view pile);
  // The pair's link if it has one, else null; never makes one.
  sim::ble_link* find(std::string_view user, std::string_view pile) const;
  // Watches every transmission of every link, made so far or later (a capture writer); never changes a run.
  using transmission_hook = std::function<void(const sim::ble_link&, const sim::ble_transmission&)>;
  void on_transmission(transmission_hook h);

  // Calls fn(user, link) for every link of `pile`, in user id order.
  template <class F>
  void for_each_on(std::string_view pile, F&& fn) {
    auto it = piles_.find(pile);
    if (it == piles_.end()) return;
    for (auto& [user, link] : it->second.by_user) fn(user, *link);
  }

  // Packets sent either way on every link of `pile` so far.
  std::uint64_t frames_sent_on(std::string_view pile) const;

  const sim::ble_model& default_model() const { return model_; }

 private:
  void watch(sim::ble_link& link);

  struct pile_links {
    pile::pile_actor* actor = nullptr;
    std::map<std::string, std::unique_ptr<sim::ble_link>, std::less<>> by_user;
  };

  sim::kernel& k_;
  sim::ble_model model_;
  std::map<std::string, pile_links, std::less<>> piles_;  // by pile id
  transmission_hook hook_;
};

}  // namespace pilesim::scenarios
