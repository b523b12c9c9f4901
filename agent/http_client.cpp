#include "agent/http_client.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace pilesim::agent {
namespace {

constexpr std::size_t conn_id_len = 8;  // the server's framing: [connection id u64 LE][HTTP bytes]

}  // namespace

http_client::http_client(context& cx, sim::link& wan)
    : cx_(cx),
      wan_(wan),
      authorization_("Bearer " + cx.cfg.token),
      jobs_(cx.k, queue_max),
      answers_(cx.k, answers_max) {}

sim::time_us http_client::attempt_timeout(int attempt) const {
  const http_options& o = cx_.cfg.http;
  sim::time_us t = o.attempt_timeout_us;
  for (int i = 1; i < attempt && t < o.attempt_timeout_max_us; ++i) t *= 2;
  return std::min(t, o.attempt_timeout_max_us);
}

void http_client::start() { cx_.k.spawn(cx_.actor + "/http", serve()); }

void http_client::on_frame(bytes frame) {
  if (!answers_.push(std::move(frame))) cx_.trace("drop", {{"why", "http answers full"}});
}

void http_client::submit(http::request& req, reply_box& reply) {
  if (!jobs_.push(job{&req, &reply})) {
    cx_.trace("drop", {{"why", "http queue full"}});
    (void)reply.push(http_answer{result<http::response>(errc::mailbox_full)});
  }
}

sim::asio::awaitable<void> http_client::listen(exchange& x, sim::time_us until, std::uint64_t breaks_on) {
  for (;;) {
    auto a = co_await answers_.receive_until(until);
    if (!a) co_return;
    byte_reader r(*a);
    const std::uint64_t connection = r.u64();
    if (!r.ok() || connection < x.first_connection || connection > current_connection_) {
      ++cx_.counters.http_stale;
      continue;
    }
    std::string_view text(reinterpret_cast<const char*>(a->data()) + conn_id_len, a->size() - conn_id_len);
    auto resp = http::decode_response(text);
    if (!resp) {
      cx_.trace("http_bad", {{"target", x.req->target}, {"why", resp.error().message()}});
      if (connection == breaks_on) co_return;  // garbage on this connection: try a new one
      continue;
    }
    if (resp->status >= 500) {
      // The server rolled the request back; the same key on a new attempt is safe.
      x.server_error = std::move(*resp);
      if (connection == breaks_on) co_return;
      continue;
    }
    cx_.trace("http", {{"method", x.req->method}, {"target", x.req->target}, {"status", resp->status},
                       {"attempts", x.attempts}, {"sent_us", x.first_sent_us}});
    x.answer = std::move(*resp);
    co_return;
  }
}

// Each logical request is served in this loop rather than in a coroutine of its own, which would cost a frame,
// its setup and teardown, and a move of the answer per request.
sim::asio::awaitable<void> http_client::serve() {
  const http_options& o = cx_.cfg.http;
  for (;;) {
    auto j = co_await jobs_.receive();
    if (!j) continue;
    http::request& req = *j->req;
    ++cx_.counters.http_requests;
    req.authorization = authorization_;
    const std::string wire = http::encode(req);
    // Every attempt carries the same Idempotency-Key, so a late answer to an earlier attempt is as good as an
    // answer to the latest: on a slow link it is the one that arrives first, even during a backoff pause.
    exchange x;
    x.req = &req;
    x.first_connection = cx_.new_connection_id();
    x.first_sent_us = cx_.k.now();
    for (int attempt = 1; attempt <= o.attempts_max && !x.answer; ++attempt) {
      if (attempt > 1) {
        ++cx_.counters.http_retries;
        co_await listen(x, cx_.k.now() + cx_.backoff(attempt - 1, o.backoff_initial_us, o.backoff_max_us), 0);
        if (x.answer) break;
      }
      x.attempts = attempt;
      current_connection_ = attempt == 1 ? x.first_connection : cx_.new_connection_id();
      bytes frame;
      frame.reserve(conn_id_len + wire.size());
      byte_writer(frame).u64(current_connection_);
      // As bytes, not chars: a range of another element type is copied element by element, not as one block.
      byte_writer(frame).raw({reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()});
      ++cx_.counters.http_attempts;
      // A WAN send fails only on a cut connection, which the WAN link never has: a lost frame is a timeout below.
      (void)wan_.send(0, std::move(frame));
      co_await listen(x, cx_.k.now() + attempt_timeout(attempt), current_connection_);
    }
    current_connection_ = 0;
    if (x.answer) {
      (void)j->reply->push(http_answer{result<http::response>(std::move(*x.answer))});
      continue;
    }
    ++cx_.counters.http_gave_up;
    cx_.trace("http_gave_up", {{"method", req.method}, {"target", req.target}, {"attempts", o.attempts_max}});
    if (x.server_error)
      (void)j->reply->push(http_answer{result<http::response>(std::move(*x.server_error))});
    else
      (void)j->reply->push(http_answer{result<http::response>(errc::timeout)});
  }
}

}  // namespace pilesim::agent
