// The app's cheating flows, run only while a scenario's `attack` fault has switched them on (context::attack):
// tampered, replayed, held back or redirected start authorizations, and a stop for someone else's session.
// The honest flows in app.cpp call in here at one line each; everything malicious stays in this file and in
// attack.cpp, so the honest code reads as what a real app does.
#include "agent/app.hpp"

#include "sim/mailbox.hpp"

namespace pilesim::agent {

sim::asio::awaitable<bool> app::cheat_start(std::size_t index, std::string pile, api::session_started& started) {
  const attack_plan plan = *cx_.attack;
  switch (plan.kind) {
    case attack_kind::forge_start:
      started.authorization = with_made_up_mac(std::move(started.authorization));
      cx_.attack_acted("start authorization with a made-up MAC");
      co_return true;
    case attack_kind::alter_start:
      if (auto raised = with_raised_frozen(started.authorization)) {
        started.authorization = std::move(*raised);
        cx_.attack_acted("frozen amount raised in the start authorization");
      }
      co_return true;
    case attack_kind::replay_start: {
      // The new authorization first, as the honest app would, then the one used before, again.
      std::optional<kept_authorization> before = std::move(used_last_);
      used_last_ = kept_authorization{pile, started.authorization};
      co_await relay_start(index, pile, started.session, started.authorization, started.expires_at_us);
      if (!before) co_return false;
      protocol::message replay = protocol::start_request{before->authorization};  // named: see pile_worker.cpp
      auto answer = co_await pile_request(before->pile, std::move(replay));
      cx_.attack_acted("an authorization used once relayed again");
      if (answer && answer->r)
        if (const auto* reply = std::get_if<protocol::start_reply>(&*answer->r))
          cx_.trace("replay_answered", {{"status", protocol::to_string(reply->result)}});
      co_return false;
    }
    case attack_kind::expired_start: {
      // Sit on it until the pile must find it expired, then relay it all the same.
      sim::mailbox<bool> nap(cx_.k, 1);
      (void)co_await nap.receive_until(started.expires_at_us + sim::sec);
      cx_.attack_acted("start authorization relayed after its expiry");
      co_return true;
    }
    case attack_kind::redirect_start:
      if (plan.pile == pile) co_return true;
      redirecting_ = kept_authorization{plan.pile, started.authorization};
      cx_.trace("attack_carries", {{"to", plan.pile}, {"session", started.session}});
      co_return false;
    default: co_return true;  // the other kinds do not touch starts
  }
}

sim::asio::awaitable<void> app::relay_redirected(std::string pile) {
  const bytes authorization = std::move(redirecting_->authorization);
  redirecting_.reset();
  protocol::message start = protocol::start_request{authorization};
  auto answer = co_await pile_request(pile, std::move(start));
  cx_.attack_acted("start authorization relayed to another pile");
  if (answer && answer->r)
    if (const auto* reply = std::get_if<protocol::start_reply>(&*answer->r))
      cx_.trace("redirect_answered", {{"pile", pile}, {"status", protocol::to_string(reply->result)}});
}

sim::asio::awaitable<void> app::steal_stop() {
  // The pile says which session runs on it; the stop secret is a guess.
  if (cx_.near_pile.empty()) co_return;
  const std::string pile = cx_.near_pile;
  auto hello = co_await pile_connect(pile);
  if (!hello || !hello->r) co_return;
  const auto* hr = std::get_if<protocol::hello_reply>(&*hello->r);
  if (hr == nullptr || hr->active_session == 0) co_return;
  key32 guess{};
  guess.fill(0x42);
  protocol::message stop = protocol::stop_request{hr->active_session, guess};
  auto answer = co_await pile_request(pile, std::move(stop));
  cx_.attack_acted("stop for another user's session");
  if (answer && answer->r)
    if (const auto* reply = std::get_if<protocol::stop_reply>(&*answer->r))
      cx_.trace("steal_stop_answered", {{"pile", pile}, {"status", protocol::to_string(reply->result)}});
}

}  // namespace pilesim::agent
