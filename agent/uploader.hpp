// The coroutine that empties the outbox towards the server: start acks to /v1/sessions/{id}/started and bills to
// /v1/sessions/{id}/bill, oldest first, each with the idempotency key it was queued with. A 200 for a bill
// turns into a receipt for its pile; a 4xx drops the item (repeating cannot change the answer, and the pile still
// holds its bill); no answer or a 5xx postpones it with backoff. It never talks to a pile.
#pragma once

#include "agent/context.hpp"
#include "agent/http_client.hpp"
#include "sim/mailbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>

namespace pilesim::agent {

class uploader {
 public:
  // `receipts_ready` is called when a receipt was put in the outbox.
  uploader(context& cx, http_client& http, std::function<void()> receipts_ready);
  uploader(const uploader&) = delete;
  uploader& operator=(const uploader&) = delete;

  // Spawns "agent/<user>/upload".
  void start();
  // Something was added to the outbox.
  void poke();

 private:
  sim::asio::awaitable<void> run();
  void postpone(upload& u, std::string_view why);
  // What the answer to upload `id` does to the outbox.
  void on_answer(std::uint64_t id, result<http::response> r);
  void lower_bill(http::request& req, const upload& u);
  void replay_bill(const std::string& pile, std::uint64_t session, bytes sealed);
  sim::asio::awaitable<void> send_replay();

  context& cx_;
  http_client& http_;
  std::function<void()> receipts_ready_;
  sim::mailbox<bool> wake_;
  http_client::reply_box reply_;
  std::set<std::uint64_t> replayed_;  // bills a replay_bill attack has uploaded again
  std::optional<upload> replay_;      // the next one to send
};

}  // namespace pilesim::agent
