#include "agent/agent.hpp"

#include "agent/app.hpp"

#include <algorithm>

namespace pilesim::agent {

agent::agent(sim::kernel& k, agent_config cfg, sim::link& wan, ble_lookup ble_to)
    : k_(k), wan_(wan), ble_to_(std::move(ble_to)), cx_(k, std::move(cfg)) {
  cx_.link_to = [this](std::string_view pile) { return link_to(pile); };
  // The sinks route to whichever app instance is running: a restart swaps the app, never the radios.
  wan_.attach(0, [this](sim::link_event&& e) {
    if (e.what == sim::link_event::kind::frame && app_) app_->on_wan_frame(std::move(e.data));
  });
  app_ = std::make_unique<app>(cx_, wan_);
}

agent::~agent() = default;

void agent::start() {
  started_ = true;
  app_->start();
}

sim::ble_link* agent::link_to(std::string_view pile) {
  sim::ble_link* l = ble_to_ ? ble_to_(pile) : nullptr;
  if (l == nullptr) return nullptr;
  if (std::find(attached_.begin(), attached_.end(), l) == attached_.end()) {
    attached_.push_back(l);
    l->attach(sim::ble_link::phone, [this, l](sim::link_event&& e) {
      if (app_) app_->on_ble_event(l, std::move(e));
    });
  }
  return l;
}

bool agent::holds(const sim::ble_link& link) const { return app_ && app_->holds(link); }

void agent::forget(const sim::ble_link& link) { std::erase(attached_, &link); }

void agent::command(agent_command c) {
  if (const auto* r = std::get_if<app_restart_command>(&c)) {
    restart(r->keep_data);
    return;
  }
  app_->command(std::move(c));
}

void agent::restart(bool keep_data) {
  ++cx_.counters.restarts;
  cx_.trace("app_restart", {{"keep_data", keep_data ? 1 : 0}});
  // The sinks see no app from here on, so the disconnect below cannot wake a coroutine that is about to die
  // (a woken one would be resumed after its frame is gone).
  std::unique_ptr<app> dying = std::move(app_);
  dying->kill();
  // Destroying the app destroys every coroutine suspended in its mailboxes: the process and its memory are gone.
  dying.reset();
  if (!keep_data) cx_.disk = storage(cx_.cfg.outbox);
  app_ = std::make_unique<app>(cx_, wan_);
  if (started_) app_->start();
}

}  // namespace pilesim::agent
