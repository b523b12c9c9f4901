#include "scenarios/engine/link_registry.hpp"

#include <algorithm>

namespace pilesim::scenarios {

link_registry::link_registry(sim::kernel& k, sim::ble_model model) : k_(k), model_(model) {}

void link_registry::add_pile(const std::string& id, pile::pile_actor& actor) {
  pile_links& p = piles_[id];
  p.id = id;
  p.actor = &actor;
  p.model = model_;
}

void link_registry::add_phone(const std::string& user, agent::agent& a) { phones_[user].agent = &a; }

sim::ble_link* link_registry::link_for(std::string_view user, std::string_view pile) {
  auto p = piles_.find(pile);
  if (p == piles_.end()) return nullptr;
  auto& by_user = p->second.by_user;
  if (auto it = by_user.find(user); it != by_user.end()) return it->second.get();
  // The link's name seeds its own random stream: it names the pair, so a link made later draws the same.
  auto link = std::make_unique<sim::ble_link>(k_, "ble/" + p->first + "/" + std::string(user), p->second.model);
  p->second.actor->attach(*link);
  watch(*link);
  ++live_;
  ++made_;
  if (auto ph = phones_.find(user); ph != phones_.end()) ph->second.piles.push_back(&p->second);
  return by_user.emplace(std::string(user), std::move(link)).first->second.get();
}

void link_registry::release_idle(std::string_view user, std::string_view keep) {
  auto ph = phones_.find(user);
  if (ph == phones_.end()) return;
  phone_links& phone = ph->second;
  std::erase_if(phone.piles, [&](pile_links* p) {
    if (p->id == keep) return false;
    auto it = p->by_user.find(user);
    if (it == p->by_user.end()) return true;
    sim::ble_link& l = *it->second;
    const bool quiet = !l.in_range() && !l.connected() && !l.connecting() &&
                       l.unacknowledged(sim::ble_link::phone) == 0 && l.unacknowledged(sim::ble_link::pile) == 0;
    if (!quiet || !p->actor->idle_on(l) || phone.agent->holds(l)) return false;
    p->sent_by_freed += l.stats().sent;
    p->actor->detach(l);
    phone.agent->forget(l);
    p->by_user.erase(it);
    --live_;
    return true;
  });
}

void link_registry::set_new_link_model(std::string_view pile, const sim::ble_model& m) {
  if (auto p = piles_.find(pile); p != piles_.end()) p->second.model = m;
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
  auto p = piles_.find(pile);
  if (p == piles_.end()) return 0;
  std::uint64_t n = p->second.sent_by_freed;
  for (const auto& [user, link] : p->second.by_user) n += link->stats().sent;
  return n;
}

}  // namespace pilesim::scenarios
