// The app's HTTP client over its WAN link (the phone is side 0). One request on the wire at a time: callers queue
// logical requests and one coroutine serves them in order. Each attempt is a new connection, framed as
// [connection id u64 LE][HTTP/1.1 bytes]; an answer on a connection of another logical request is stale and ignored,
// one on any attempt of the current request is taken. Attempts are bounded, spaced by jittered exponential
// backoff, wait longer each time, and carry the same Idempotency-Key, so the server acts once.
#pragma once

#include "agent/context.hpp"
#include "server/api.hpp"
#include "sim/link.hpp"
#include "sim/mailbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>

namespace pilesim::agent {

// A mailbox of result<T> cannot be given an error (the error converts to both halves of result<result<T>>),
// so answers travel wrapped in a type that nothing else converts to.
struct http_answer {
  explicit http_answer(result<http::response> answer) : r(std::move(answer)) {}
  template <class T>
  http_answer(T) = delete;
  result<http::response> r;
};

class http_client {
 public:
  using reply_box = sim::mailbox<http_answer>;
  static constexpr std::size_t queue_max = 16;
  static constexpr std::size_t answers_max = 64;

  http_client(context& cx, sim::link& wan);
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Spawns the coroutine that serves the queue ("agent/<user>/http").
  void start();
  // A frame for the phone's side of the WAN link.
  void on_frame(bytes frame);

  // Queues one logical request and returns the wait for its answer in `reply`, to be awaited at once and read
  // with answer_of: for a caller that owns `reply` (of the same app instance) and has nothing else in flight on
  // it. Only a pointer to `req` is queued, instead of the request moved at every hop, so `req` must stay where
  // it is, a local of the awaiting coroutine, until the answer is in. The bearer token is added here; a
  // mutating request must carry its Idempotency-Key already (it belongs to the caller's logical request).
  static auto request(http_client& http, reply_box& reply, http::request& req) {
    http.submit(req, reply);
    return reply.receive();
  }
  // The server's answer; errc::timeout once every attempt went unanswered, errc::mailbox_full when the queue
  // was full.
  static result<http::response> answer_of(result<http_answer> a) {
    if (!a) return a.error();
    return std::move(a->r);
  }

 private:
  struct job {
    http::request* req = nullptr;
    reply_box* reply = nullptr;
  };

  void submit(http::request& req, reply_box& reply);
  sim::asio::awaitable<void> serve();
  // How long attempt `attempt` (1 = the first) waits for an answer: doubling from the first, capped.
  sim::time_us attempt_timeout(int attempt) const;
  // One logical request while it is being served.
  struct exchange {
    const http::request* req = nullptr;
    std::uint64_t first_connection = 0;          // its attempts use first_connection..current_connection_
    int attempts = 0;                            // sent so far
    sim::time_us first_sent_us = 0;              // when the first attempt left the phone
    std::optional<http::response> answer;        // a final answer: no more attempts
    std::optional<http::response> server_error;  // the last 5xx, returned if no attempt does better
  };
  // Takes answers on the request's connections until `until` or a final answer; returns early too when
  // connection `breaks_on` (0: none) gave garbage or a 5xx. Answers of other requests are stale and dropped.
  sim::asio::awaitable<void> listen(exchange& x, sim::time_us until, std::uint64_t breaks_on);

  context& cx_;
  sim::link& wan_;
  const std::string authorization_;  // "Bearer <token>": the token is the app's for its whole life
  sim::mailbox<job> jobs_;
  sim::mailbox<bytes> answers_;
  std::uint64_t current_connection_ = 0;  // 0: no attempt waiting for an answer
};

}  // namespace pilesim::agent
