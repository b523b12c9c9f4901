// The kernel driver: the clock jumps from event to event and never goes back; `until` and the event bound
// stop a run; an exception escaping an actor fails the run with the actor's name, the simulated time and the
// seed; shutdown destroys suspended actors while the objects they refer to still exist.
#include "sim/kernel.hpp"

#include "sim/mailbox.hpp"
#include "sim/timer.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::sim;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

asio::awaitable<void> throw_after(kernel& k, time_us delay, std::string what) {
  timer t(k);
  co_await t.wait_for(delay);
  throw std::runtime_error(what);
}

asio::awaitable<void> record_start(std::vector<std::string>& started, std::string name) {
  started.push_back(std::move(name));
  co_return;
}

// An endless chain of events, one per millisecond: only a bound stops it.
struct ticker {
  kernel& k;
  int ticks = 0;
  void tick() {
    ++ticks;
    k.after(msec, [this] { tick(); });
  }
};

// Tells whether a suspended coroutine's frame was destroyed.
struct destruction_flag {
  bool& destroyed;
  ~destruction_flag() { destroyed = true; }
};

asio::awaitable<void> receive_once(mailbox<int>& mb, bool& destroyed, bool& resumed) {
  destruction_flag flag{destroyed};
  (void)co_await mb.receive();
  resumed = true;
}

struct world {
  kernel k{7};
  mailbox<int> mb{k, 4};
  bool destroyed = false;
  bool resumed = false;
  ~world() { k.shutdown(); }
};

}  // namespace

TEST_SUITE("sim/kernel") {
  TEST_CASE("an exception escaping an actor fails the run with the actor's name, time and seed") {
    kernel k(42);
    std::ostringstream lines;
    k.trace().write_to(&lines);
    int later = 0;
    k.at(10 * msec, [&] { ++later; });
    k.spawn("pile/P1", throw_after(k, 5 * msec, "meter exploded"));
    run_outcome out = k.run({});
    k.trace().write_to(nullptr);
    CHECK(out.failed);
    CHECK(k.failed());
    CHECK(contains(out.failure, "'pile/P1'"));
    CHECK(contains(out.failure, "t=5000us"));
    CHECK(contains(out.failure, "seed 42"));
    CHECK(contains(out.failure, "meter exploded"));
    CHECK(out.failure == k.failure());
    CHECK(out.end_us == 5 * msec);
    CHECK(later == 0);  // the run stopped at the failure
    CHECK(contains(lines.str(), R"("kind":"failure")"));
  }

  TEST_CASE("the first failure is the one reported") {
    kernel k(3);
    k.spawn("first", throw_after(k, 2 * msec, "one"));
    k.spawn("second", throw_after(k, 2 * msec, "two"));
    run_outcome out = k.run({});
    CHECK(out.failed);
    CHECK(contains(out.failure, "'first'"));
    CHECK_FALSE(contains(out.failure, "second"));
  }

  TEST_CASE("actors that finish normally leave the run ok and idle") {
    kernel k(1);
    std::vector<std::string> started;
    k.spawn("a", record_start(started, "a"));
    k.spawn("b", record_start(started, "b"));
    k.spawn("c", record_start(started, "c"));
    run_outcome out = k.run({});
    CHECK_FALSE(out.failed);
    CHECK(out.failure.empty());
    CHECK(out.idle);
    CHECK(started == std::vector<std::string>{"a", "b", "c"});  // started in spawn order
  }

  TEST_CASE("the event bound fails the run after exactly that many events") {
    kernel k(9);
    ticker t{k};
    k.at(0, [&] { t.tick(); });
    run_outcome out = k.run({.events_max = 100});
    CHECK(out.failed);
    CHECK(contains(out.failure, "event bound of 100"));
    CHECK(contains(out.failure, "seed 9"));
    CHECK(t.ticks == 100);
    CHECK(out.events == 100);
    CHECK_FALSE(out.idle);
  }

  TEST_CASE("until stops the run at until, and a later run goes on from there") {
    kernel k(1);
    std::vector<time_us> ran;
    for (time_us t : {10 * msec, 20 * msec, 30 * msec}) k.at(t, [&] { ran.push_back(k.now()); });

    run_outcome out = k.run({.until = 20 * msec});
    CHECK(ran == std::vector<time_us>{10 * msec, 20 * msec});  // an event due at until runs
    CHECK(out.end_us == 20 * msec);
    CHECK(k.now() == 20 * msec);
    CHECK_FALSE(out.idle);
    CHECK_FALSE(out.failed);
    CHECK(out.events == 2);

    out = k.run({.until = 25 * msec});
    CHECK(ran.size() == 2);
    CHECK(out.end_us == 25 * msec);

    out = k.run({});
    CHECK(ran == std::vector<time_us>{10 * msec, 20 * msec, 30 * msec});
    CHECK(out.idle);
    CHECK(out.end_us == 30 * msec);
    CHECK(out.events == 3);
  }

  TEST_CASE("a run never moves the clock backwards") {
    kernel k(1);
    k.at(100 * msec, [] {});
    k.run({.until = 50 * msec});
    CHECK(k.now() == 50 * msec);
    run_outcome out = k.run({.until = 20 * msec});
    CHECK(k.now() == 50 * msec);
    CHECK(out.end_us == 50 * msec);
  }

  TEST_CASE("a run with nothing to do is idle at time zero") {
    kernel k(1);
    run_outcome out = k.run({});
    CHECK(out.idle);
    CHECK(out.events == 0);
    CHECK(out.end_us == 0);
  }

  TEST_CASE("an event asked for in the past runs now") {
    kernel k(1);
    time_us ran_at = -1;
    k.at(10 * msec, [&] { k.at(3 * msec, [&] { ran_at = k.now(); }); });
    k.run({});
    CHECK(ran_at == 10 * msec);
  }

  TEST_CASE("posted work runs at the same instant, before the next event") {
    kernel k(1);
    std::vector<std::pair<int, time_us>> ran;
    k.at(5 * msec, [&] { k.post([&] { ran.push_back({1, k.now()}); }); });
    k.at(5 * msec, [&] { ran.push_back({2, k.now()}); });
    k.run({});
    REQUIRE(ran.size() == 2);
    CHECK(ran[0] == std::pair<int, time_us>{1, 5 * msec});
    CHECK(ran[1] == std::pair<int, time_us>{2, 5 * msec});
  }

  TEST_CASE("the kernel's stream of a name is the RNG stream of the seed and name") {
    kernel k(77);
    rng a = k.stream("wan/alice");
    rng b(77, "wan/alice");
    for (int i = 0; i < 8; ++i) CHECK(a.next() == b.next());
    CHECK(k.seed() == 77);
  }

  TEST_CASE("shutdown destroys a suspended actor without resuming it") {
    world w;
    w.k.spawn("receiver", receive_once(w.mb, w.destroyed, w.resumed));
    run_outcome out = w.k.run({});
    CHECK(out.idle);
    CHECK(w.mb.waiting());
    CHECK_FALSE(w.destroyed);
    w.k.shutdown();
    CHECK(w.destroyed);
    CHECK_FALSE(w.resumed);
    CHECK_FALSE(w.mb.waiting());
  }

  TEST_CASE("shutdown destroys an actor whose completion is posted but has not run") {
    world w;
    w.k.spawn("receiver", receive_once(w.mb, w.destroyed, w.resumed));
    w.k.run({});
    CHECK(w.mb.push(1));  // completes the receive: its handler now waits in the io_context
    CHECK_FALSE(w.mb.waiting());
    w.k.shutdown();
    CHECK(w.destroyed);
    CHECK_FALSE(w.resumed);
  }
}
