// The agent's HTTP client over a WAN link whose far end the test plays: one key for every attempt, a new
// connection id per attempt, late answers ignored, bounded attempts.
#include "agent/context.hpp"
#include "agent/http_client.hpp"
#include "server/api/http.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"
#include "sim/mailbox.hpp"

#include "tests/support/result_printing.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::agent;

namespace {

constexpr std::size_t conn_id_len = 8;

struct seen_request {
  std::uint64_t connection = 0;
  http::request req;
  sim::time_us at_us = 0;
};

// A client on side 0 of a WAN link; side 1 feeds a mailbox the scripted server reads.
struct bench {
  sim::kernel k{3};
  sim::link wan{k, "wan/test", sim::link_model{10 * sim::msec, 10 * sim::msec, 0, 0, 0, false}};
  context cx{k, config()};
  http_client http{cx, wan};
  http_client::reply_box reply{k, 4};
  sim::mailbox<bytes> server_rx{k, 64};
  std::vector<seen_request> seen;
  std::optional<result<http::response>> outcome;

  bench() {
    wan.attach(0, [this](sim::link_event&& e) { http.on_frame(std::move(e.data)); });
    wan.attach(1, [this](sim::link_event&& e) { (void)server_rx.push(std::move(e.data)); });
    http.start();
  }
  ~bench() { k.shutdown(); }

  static agent_config config() {
    agent_config c;
    c.user = "alice";
    c.token = "tok-alice";
    return c;
  }

  void answer(std::uint64_t connection, int status) {
    bytes out;
    byte_writer(out).u64(connection);
    const std::string text = http::encode(http::response{status, "{}"});
    out.insert(out.end(), text.begin(), text.end());
    (void)wan.send(1, std::move(out));
  }
};

// The server: ignores attempt 1, answers attempt 2 with a 500 after 3.2 s (inside attempt 2's 6 s wait, so the
// client retries at once), answers attempt 3 at once.
sim::asio::awaitable<void> flaky_server(bench& b) {
  for (;;) {
    auto f = co_await b.server_rx.receive();
    if (!f) continue;
    byte_reader r(*f);
    const std::uint64_t connection = r.u64();
    std::string_view wire(reinterpret_cast<const char*>(f->data()) + conn_id_len, f->size() - conn_id_len);
    auto req = http::decode_request(wire);
    REQUIRE(req);
    b.seen.push_back({connection, *req, b.k.now()});
    if (b.seen.size() == 2) {
      b.k.after(3200 * sim::msec, [&b, connection] { b.answer(connection, 500); });
    } else if (b.seen.size() >= 3) {
      b.answer(connection, 201);
    }
  }
}

sim::asio::awaitable<void> client(bench& b, http::request req) {
  auto answer = co_await http_client::request(b.http, b.reply, req);
  b.outcome = http_client::answer_of(std::move(answer));
}

// A server that never answers.
sim::asio::awaitable<void> silent_server(bench& b) {
  for (;;) {
    auto f = co_await b.server_rx.receive();
    if (!f) continue;
    byte_reader r(*f);
    auto req = http::decode_request(
        std::string_view(reinterpret_cast<const char*>(f->data()) + conn_id_len, f->size() - conn_id_len));
    REQUIRE(req);
    b.seen.push_back({r.u64(), *req, b.k.now()});
  }
}

}  // namespace

TEST_SUITE("agent/http_client") {
  TEST_CASE("retries with one idempotency key on new connections and ignores a late answer") {
    bench b;
    b.k.spawn("server", flaky_server(b));
    b.k.spawn("client", client(b, http::request{"POST", "/v1/reservations", "", "alice-1", "{}"}));
    REQUIRE_FALSE(b.k.run({.until = 2 * sim::minute}).failed);

    REQUIRE(b.outcome);
    REQUIRE(*b.outcome);
    CHECK((*b.outcome)->status == 201);
    REQUIRE(b.seen.size() == 3);
    std::set<std::uint64_t> connections;
    for (const seen_request& s : b.seen) {
      CHECK(s.req.idempotency_key == "alice-1");
      CHECK(s.req.authorization == "Bearer tok-alice");
      connections.insert(s.connection);
    }
    CHECK(connections.size() == 3);
    CHECK(b.cx.counters.http_stale == 0);
    CHECK(b.cx.counters.http_attempts == 3);
    CHECK(b.cx.counters.http_retries == 2);
    // Backoff: the second attempt came 3 s (timeout) plus 250..500 ms after the first.
    const sim::time_us gap = b.seen[1].at_us - b.seen[0].at_us;
    CHECK(gap >= 3 * sim::sec + 250 * sim::msec);
    CHECK(gap <= 3 * sim::sec + 500 * sim::msec);
    // The 500 cut attempt 2 short: attempt 3 followed its backoff (500..1000 ms), not a 6 s timeout.
    const sim::time_us gap2 = b.seen[2].at_us - b.seen[1].at_us;
    CHECK(gap2 <= 3200 * sim::msec + 20 * sim::msec + sim::sec);
  }

  TEST_CASE("takes a late answer to an earlier attempt, and waits longer on each attempt") {
    bench b;
    // The server answers only attempt 1, 5 s after it came: after attempt 1's 3 s, within attempt 2's 6 s.
    b.k.spawn("server", [](bench& b) -> sim::asio::awaitable<void> {
      for (;;) {
        auto f = co_await b.server_rx.receive();
        if (!f) continue;
        byte_reader r(*f);
        const std::uint64_t connection = r.u64();
        b.seen.push_back({connection, {}, b.k.now()});
        if (b.seen.size() == 1) b.k.after(5 * sim::sec, [&b, connection] { b.answer(connection, 201); });
      }
    }(b));
    b.k.spawn("client", client(b, http::request{"POST", "/v1/sessions", "", "alice-1", "{}"}));
    REQUIRE_FALSE(b.k.run({.until = 2 * sim::minute}).failed);
    REQUIRE(b.outcome);
    REQUIRE(*b.outcome);
    CHECK((*b.outcome)->status == 201);
    CHECK(b.seen.size() == 2);
    CHECK(b.cx.counters.http_stale == 0);
    CHECK(b.cx.counters.http_gave_up == 0);
  }

  TEST_CASE("an answer on a connection of an earlier request is stale") {
    bench b;
    // Answers the first request at once and again 1 s later, when the client serves the second request, which
    // it answers after 2 s.
    b.k.spawn("server", [](bench& b) -> sim::asio::awaitable<void> {
      for (;;) {
        auto f = co_await b.server_rx.receive();
        if (!f) continue;
        byte_reader r(*f);
        const std::uint64_t connection = r.u64();
        b.seen.push_back({connection, {}, b.k.now()});
        if (b.seen.size() == 1) {
          b.answer(connection, 201);
          b.k.after(1 * sim::sec, [&b, connection] { b.answer(connection, 201); });
        } else {
          b.k.after(2 * sim::sec, [&b, connection] { b.answer(connection, 409); });
        }
      }
    }(b));
    b.k.spawn("client", [](bench& b) -> sim::asio::awaitable<void> {
      http::request first{"POST", "/v1/sessions", "", "alice-1", "{}"};
      auto a1 = co_await http_client::request(b.http, b.reply, first);
      CHECK(http_client::answer_of(std::move(a1))->status == 201);
      sim::mailbox<int> nap(b.k, 1);
      (void)co_await nap.receive_until(b.k.now() + 500 * sim::msec);
      http::request second{"POST", "/v1/sessions", "", "alice-2", "{}"};
      auto a2 = co_await http_client::request(b.http, b.reply, second);
      b.outcome = http_client::answer_of(std::move(a2));
    }(b));
    REQUIRE_FALSE(b.k.run({.until = 2 * sim::minute}).failed);
    REQUIRE(b.outcome);
    REQUIRE(*b.outcome);
    CHECK((*b.outcome)->status == 409);  // the late 201 of the first request was not taken for the second's
    CHECK(b.cx.counters.http_stale == 1);
  }

  TEST_CASE("gives up with a timeout after the last attempt") {
    bench b;
    b.k.spawn("server", silent_server(b));
    b.k.spawn("client", client(b, http::request{"GET", "/v1/wallet", "", "", ""}));
    REQUIRE_FALSE(b.k.run({.until = 10 * sim::minute}).failed);
    REQUIRE(b.outcome);
    REQUIRE_FALSE(*b.outcome);
    CHECK(b.outcome->error() == errc::timeout);
    CHECK(b.seen.size() == static_cast<std::size_t>(b.cx.cfg.http.attempts_max));
    CHECK(b.cx.counters.http_gave_up == 1);
  }
}
