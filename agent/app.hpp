// One running instance of the phone app — a process: the main coroutine playing the user's commands in order
// (reserve, cancel, start, stop, arrive, leave), the HTTP client, the pile worker and the uploader, with all
// their in-memory state. Killing the app destroys this object and every coroutine in it; only the context
// (storage, reports, fresh-name counters) survives. It never reaches past the pile's protocol or the server's API.
#pragma once

#include "agent/ble_client.hpp"
#include "agent/commands.hpp"
#include "agent/context.hpp"
#include "agent/http_client.hpp"
#include "agent/pile_worker.hpp"
#include "agent/uploader.hpp"
#include "sim/link.hpp"
#include "server/api.hpp"
#include "sim/mailbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace pilesim::agent {

class app {
 public:
  static constexpr std::size_t commands_max = 64;

  app(context& cx, sim::link& wan);
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  // Spawns the app's coroutines.
  void start();
  // Queues a user command (app_restart is the agent's business, not the app's).
  void command(agent_command c);
  // Inputs from the phone's radios.
  void on_wan_frame(bytes frame) { http_.on_frame(std::move(frame)); }
  void on_ble_event(sim::ble_link* link, sim::link_event e) { ble_.on_link_event(link, std::move(e)); }
  // The process is about to die: the phone's OS closes the app's BLE connection.
  void kill() { ble_.disconnect("app killed"); }
  bool holds(const sim::ble_link& link) const { return ble_.holds(link); }

 private:
  sim::asio::awaitable<void> run();
  sim::asio::awaitable<void> reserve(reserve_command c);
  sim::asio::awaitable<void> cancel();
  // start: at the pile, then the server's authorization, then the pile's word that it started.
  sim::asio::awaitable<void> start_session(start_command c);
  // Waits (bounded) while the pile holds bills not yet settled by the server, this phone carrying them; true
  // when there were any.
  sim::asio::awaitable<bool> carry_bills_first(std::string pile);
  bool bills_unsettled(const std::string& pile) const;
  // The pile's challenge for a start, from a hello answered now: asked a bounded number of times while the user
  // stays at the pile; nullopt (and why, in the report) when none came.
  sim::asio::awaitable<std::optional<challenge>> fresh_challenge(std::size_t index, std::string pile);
  sim::asio::awaitable<std::optional<api::session_started>> ask_server(std::size_t index, std::string pile,
                                                                      money amount, bool carried, challenge c);
  // What the server's answer to the start says: the session it authorized, or nothing (and why, in the report).
  std::optional<api::session_started> on_server_answer(std::size_t index, const std::string& pile,
                                                       std::uint64_t reservation, result<http::response> res);
  void accept_session(std::size_t index, const std::string& pile, std::uint64_t reservation,
                      const api::session_started& started);
  // Relays the authorization until the pile answers, the user leaves, or it is no longer valid.
  sim::asio::awaitable<void> relay_start(std::size_t index, std::string pile, std::uint64_t session,
                                         bytes authorization, sim::time_us valid_until_us);
  void on_start_reply(std::size_t index, const std::string& pile, std::uint64_t session,
                      const protocol::start_reply& reply);
  sim::asio::awaitable<void> stop_session();
  // What a cheating app does instead (app_attack.cpp), only while cx_.attack is set. cheat_start may change the
  // authorization before it is relayed, or relay on its own and answer false: the honest relay then does not run.
  sim::asio::awaitable<bool> cheat_start(std::size_t index, std::string pile, api::session_started& started);
  sim::asio::awaitable<void> relay_redirected(std::string pile);
  sim::asio::awaitable<void> steal_stop();
  sim::asio::awaitable<void> arrive(arrive_command c);
  void leave();

  // Submit to the pile worker and return the wait for its answer in pile_reply_, to be awaited at once: plain
  // functions, not coroutines, so that a pile exchange costs no coroutine frame of its own.
  sim::asio::awaitable<result<pile_answer>> pile_connect(std::string pile);
  sim::asio::awaitable<result<pile_answer>> pile_request(std::string pile, protocol::message m);

  // A cheating app's memory: the authorization it used last (replay_start) and the one it carries to another
  // pile (redirect_start). Never read while the app is honest.
  struct kept_authorization {
    std::string pile;
    bytes authorization;
  };
  std::optional<kept_authorization> used_last_;
  std::optional<kept_authorization> redirecting_;

  context& cx_;
  sim::mailbox<agent_command> commands_;
  sim::mailbox<int> pause_;  // the main coroutine's pauses; a queued leave wakes it
  sim::mailbox<int> settled_;  // a bill was collected or settled: a wait for carried bills looks again
  int leaves_queued_ = 0;    // leave commands behind the one being played
  http_client::reply_box http_reply_;
  pile_worker::reply_box pile_reply_;
  http_client http_;
  ble_client ble_;
  uploader uploader_;
  pile_worker worker_;
};

}  // namespace pilesim::agent
