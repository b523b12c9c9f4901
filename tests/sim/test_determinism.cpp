// Whole-run determinism: a busy run of three actors over lossy, duplicating, reordering links with retries
// gives the same trace (hash, count, every line) for the same seed and another for another seed; and one
// link's faults do not depend on whether other links exist.
#include "sim/bytes.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"
#include "sim/mailbox.hpp"
#include "sim/timer.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::sim;

namespace {

constexpr int actor_count = 3;
constexpr int attempts_max = 4;
constexpr time_us reply_timeout_us = 20 * msec;
constexpr time_us run_us = 5 * sec;

// Actor i asks actor i+1 over link i (side 0 asks, side 1 answers) and answers actor i-1 over link i-1.
struct world {
  explicit world(std::uint64_t seed) : k(seed) {
    const link_model m{.delay_min_us = 1 * msec,
                       .delay_max_us = 8 * msec,
                       .loss_ppb = 150'000'000,
                       .duplicate_ppb = 100'000'000,
                       .reorder_ppb = 200'000'000};
    for (int i = 0; i < actor_count; ++i) {
      links.push_back(std::make_unique<sim::link>(k, "wan/" + std::to_string(i), m));
      requests.push_back(std::make_unique<mailbox<link_event>>(k, 16));
      replies.push_back(std::make_unique<mailbox<link_event>>(k, 16));
      think.push_back(k.stream("think/" + std::to_string(i)));
    }
    for (int i = 0; i < actor_count; ++i) {
      links[i]->attach(0, [this, i](link_event&& e) { deliver(*replies[i], "actor/" + std::to_string(i), e); });
      const int server = (i + 1) % actor_count;
      links[i]->attach(1, [this, server](link_event&& e) {
        deliver(*requests[server], "actor/" + std::to_string(server), e);
      });
    }
    k.trace().write_to(&lines);
  }
  ~world() { k.shutdown(); }

  void deliver(mailbox<link_event>& to, const std::string& who, link_event& e) {
    if (!to.push(std::move(e))) k.trace().event(k.now(), who, "inbox_full");
  }

  kernel k;
  std::vector<std::unique_ptr<sim::link>> links;  // sim::link: POSIX declares ::link
  std::vector<std::unique_ptr<mailbox<link_event>>> requests;  // by the actor that serves them
  std::vector<std::unique_ptr<mailbox<link_event>>> replies;   // by the actor that asked
  std::vector<rng> think;
  std::uint64_t exchanges = 0;
  std::uint64_t retries = 0;
  std::uint64_t given_up = 0;
  std::ostringstream lines;
};

// Sends numbered requests, each retried up to attempts_max times, with a random pause between exchanges.
asio::awaitable<void> client(world& w, int i) {
  const std::string name = "actor/" + std::to_string(i);
  timer pause(w.k);
  for (std::uint64_t seq = 0;; ++seq) {
    bool answered = false;
    for (int attempt = 0; attempt < attempts_max && !answered; ++attempt) {
      if (attempt > 0) ++w.retries;
      bytes request;  // the sequence number, 8 bytes little-endian
      byte_writer(request).u64(seq);
      (void)w.links[i]->send(0, std::move(request));
      const time_us deadline = w.k.now() + reply_timeout_us;
      for (;;) {
        result<link_event> r = co_await w.replies[i]->receive_until(deadline);
        if (!r) break;
        if (byte_reader(r->data).u64() == seq) {  // else a duplicate or a late answer to an earlier try
          answered = true;
          break;
        }
      }
    }
    if (answered) ++w.exchanges;
    else ++w.given_up;
    w.k.trace().event(w.k.now(), name, answered ? "answered" : "gave_up", {{"seq", seq}});
    co_await pause.wait_for(static_cast<time_us>(w.think[i].uniform(0, 3 * msec)));
  }
}

// Answers every request on the link it serves with the request's number.
asio::awaitable<void> server(world& w, int i) {
  const int served = (i + actor_count - 1) % actor_count;
  for (;;) {
    result<link_event> r = co_await w.requests[i]->receive();
    if (!r) co_return;
    (void)w.links[served]->send(1, std::move(r->data));
  }
}

struct run_summary {
  std::string hash;
  std::uint64_t trace_events = 0;
  std::uint64_t kernel_events = 0;
  std::uint64_t exchanges = 0;
  std::uint64_t retries = 0;
  std::string lines;
};

run_summary busy_run(std::uint64_t seed) {
  world w(seed);
  for (int i = 0; i < actor_count; ++i) {
    w.k.spawn("client/" + std::to_string(i), client(w, i));
    w.k.spawn("server/" + std::to_string(i), server(w, i));
  }
  run_outcome out = w.k.run({.until = run_us});
  REQUIRE_FALSE(out.failed);
  CHECK(out.end_us == run_us);

  // The run must really exercise every fault, or equal hashes would prove little.
  link_stats total;
  for (const auto& l : w.links) {
    total.dropped += l->stats().dropped;
    total.duplicated += l->stats().duplicated;
    total.reordered += l->stats().reordered;
  }
  CHECK(w.exchanges > 500);
  CHECK(w.retries > 0);
  CHECK(total.dropped > 0);
  CHECK(total.duplicated > 0);
  CHECK(total.reordered > 0);

  return {w.k.trace().hash_hex(), w.k.trace().count(), out.events, w.exchanges, w.retries, w.lines.str()};
}

// Arrival times on link "wan/a", with or without a busy link "wan/b" beside it.
std::vector<time_us> arrivals_on_a(bool with_b) {
  kernel k(21);
  const link_model m{.delay_min_us = 1 * msec, .delay_max_us = 30 * msec, .loss_ppb = 200'000'000,
                     .duplicate_ppb = 200'000'000, .reorder_ppb = 300'000'000};
  std::unique_ptr<sim::link> b;
  if (with_b) b = std::make_unique<sim::link>(k, "wan/b", m);
  sim::link a(k, "wan/a", m);
  std::vector<time_us> times;
  a.attach(1, [&](link_event&&) { times.push_back(k.now()); });
  for (int i = 0; i < 200; ++i) {
    k.at(i * msec, [&] {
      if (b) (void)b->send(0, bytes(3));
      (void)a.send(0, bytes(3));
      if (b) (void)b->send(1, bytes(5));
    });
  }
  k.run({});
  return times;
}

}  // namespace

TEST_SUITE("sim/determinism") {
  TEST_CASE("a busy lossy run gives the same trace for the same seed") {
    const run_summary first = busy_run(1);
    const run_summary second = busy_run(1);
    CHECK(first.hash == second.hash);
    CHECK(first.trace_events == second.trace_events);
    CHECK(first.kernel_events == second.kernel_events);
    CHECK(first.exchanges == second.exchanges);
    CHECK(first.retries == second.retries);
    CHECK(first.lines == second.lines);
  }

  TEST_CASE("a busy lossy run gives another trace for another seed") {
    const run_summary one = busy_run(1);
    const run_summary two = busy_run(2);
    CHECK(one.hash != two.hash);
    CHECK(one.lines != two.lines);
  }

  TEST_CASE("one link's faults and delays do not depend on other links") {
    const std::vector<time_us> alone = arrivals_on_a(false);
    const std::vector<time_us> beside = arrivals_on_a(true);
    CHECK(alone.size() > 100);
    CHECK(alone == beside);
  }
}
