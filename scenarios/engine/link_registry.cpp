#include "scenarios/engine/link_registry.hpp"

namespace pilesim::scenarios {

link_registry::link_registry(sim::kernel& k, sim::ble_model model) : k_(k), model_(model) {}

void link_registry::add_pile(const std::string& id, pile::pile_actor& actor) { piles_[id].actor = &actor; }

sim::ble_link* link_registry::link_for(std::string_view user, std::string_view pile) {
  auto p = piles_.find(pile);
  if (p == piles_.end()) return nullptr;
  auto& by_user = p->second.by_user;
  if (auto it = by_user.find(user); it != by_user.end()) return it->second.get();
  // The link's name seeds its own random stream: it names the pair, so a link made later draws the same.
  auto link = std::make_unique<sim::ble_link>(k_, "ble/" + p->first + "/" + std::string(user), model_);
  p->second.actor->attach(*link);
  watch(*link);
  return by_user.emplace(std::string(user), std::move(link)).first->second.get();
}

void link_registry::on_transmission(transmission_hook h) {
  hook_ = std::move(h);
  for (auto& [pile, links] : piles_)
    for (auto& [user, link] : links.by_user) watch(*link);
}

void link_registry::watch(sim::ble_link& link) {
  if (!hook_) return;
  link.on_transmission([this, l = &link](const sim::ble_transmission& t) { hook_(*l, t); });
}

sim::ble_link* link_registry::find(std::string_view user, std::string_view pile) const {
  auto p = piles_.find(pile);
  if (p == piles_.end()) return nullptr;
  auto it = p->second.by_user.find(user);
  return it == p->second.by_user.end() ? nullptr : it->second.get();
}

std::uint64_t link_registry::frames_sent_on(std::string_view pile) const {
  std::uint64_t n = 0;
  auto p = piles_.find(pile);
  if (p == piles_.end()) return 0;
  for (const auto& [user, link] : p->second.by_user) n += link->stats().sent;
  return n;
}

}  // namespace pilesim::scenarios
