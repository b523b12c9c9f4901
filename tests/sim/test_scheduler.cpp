// The virtual-time event queue: events come out by time, ties in insertion order; cancelled events never come
// out; a handle to an event that already ran or was cancelled is harmless, even once its slot is reused.
#include "sim/scheduler.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <vector>

using namespace pilesim::sim;

namespace {

// Pops every event due by `until`, running each, and returns the times they were due at.
std::vector<time_us> drain(scheduler& s, time_us until = time_max) {
  std::vector<time_us> times;
  time_us at = 0;
  scheduler::event_fn fn;
  while (s.pop(until, at, fn)) {
    times.push_back(at);
    fn();
  }
  return times;
}

}  // namespace

TEST_SUITE("sim/scheduler") {
  TEST_CASE("pops events in time order whatever the order they were scheduled in") {
    scheduler s;
    std::vector<int> ran;
    s.schedule(30, [&] { ran.push_back(30); });
    s.schedule(10, [&] { ran.push_back(10); });
    s.schedule(20, [&] { ran.push_back(20); });
    s.schedule(5, [&] { ran.push_back(5); });
    CHECK(s.pending() == 4);
    CHECK(drain(s) == std::vector<time_us>{5, 10, 20, 30});
    CHECK(ran == std::vector<int>{5, 10, 20, 30});
    CHECK(s.pending() == 0);
  }

  TEST_CASE("runs events due at the same instant in the order they were scheduled") {
    scheduler s;
    std::vector<int> ran;
    // Interleaved with events at other instants so that the heap has to reorder around the ties.
    for (int i = 0; i < 20; ++i) {
      s.schedule(7, [&ran, i] { ran.push_back(i); });
      s.schedule(i % 2 ? 3 : 11, [] {});
    }
    drain(s);
    std::vector<int> expected;
    for (int i = 0; i < 20; ++i) expected.push_back(i);
    CHECK(ran == expected);
  }

  TEST_CASE("an event scheduled while another runs at the same instant runs after it") {
    scheduler s;
    std::vector<int> ran;
    s.schedule(4, [&] {
      ran.push_back(1);
      s.schedule(4, [&] { ran.push_back(3); });
    });
    s.schedule(4, [&] { ran.push_back(2); });
    drain(s);
    CHECK(ran == std::vector<int>{1, 2, 3});
  }

  TEST_CASE("an event scheduled later on a reserved number runs where it would have run if scheduled then") {
    // Two runs: one schedules a timeline up front, the other reserves its numbers and feeds it one event at a
    // time from the previous one. Other events at the same instants, scheduled before and after the
    // reservation, must interleave identically.
    auto play = [](bool fed) {
      scheduler s;
      std::vector<int> ran;
      s.schedule(10, [&] { ran.push_back(-1); });  // before the timeline in the same-instant order
      const std::vector<time_us> timeline{10, 10, 20, 20, 30};
      std::uint64_t base = 0;
      std::function<void(std::size_t)> feed;
      if (fed) {
        base = s.reserve(timeline.size());
        feed = [&](std::size_t i) {
          if (i == timeline.size()) return;
          s.schedule_reserved(timeline[i], base + i, [&, i] {
            feed(i + 1);
            ran.push_back(static_cast<int>(i));
          });
        };
        feed(0);
      } else {
        for (std::size_t i = 0; i < timeline.size(); ++i)
          s.schedule(timeline[i], [&ran, i] { ran.push_back(static_cast<int>(i)); });
      }
      s.schedule(10, [&] {
        ran.push_back(100);
        s.schedule(20, [&] { ran.push_back(200); });  // scheduled while running: after the timeline's 20s
      });
      s.schedule(20, [&] { ran.push_back(101); });
      drain(s);
      return ran;
    };
    const std::vector<int> expected{-1, 0, 1, 100, 2, 3, 101, 200, 4};
    CHECK(play(false) == expected);
    CHECK(play(true) == expected);
  }

  TEST_CASE("a cancelled pending event never runs") {
    scheduler s;
    std::vector<int> ran;
    s.schedule(1, [&] { ran.push_back(1); });
    event_handle h = s.schedule(2, [&] { ran.push_back(2); });
    s.schedule(3, [&] { ran.push_back(3); });
    CHECK(s.cancel(h));
    CHECK(s.pending() == 2);
    CHECK_FALSE(s.cancel(h));  // twice is harmless and says so
    CHECK(s.pending() == 2);
    drain(s);
    CHECK(ran == std::vector<int>{1, 3});
  }

  TEST_CASE("cancelling the earliest event moves next_time to the following one") {
    scheduler s;
    event_handle h = s.schedule(5, [] {});
    s.schedule(9, [] {});
    CHECK(s.next_time() == 5);
    s.cancel(h);
    CHECK(s.next_time() == 9);
    s.cancel(s.schedule(1, [] {}));
    CHECK(s.next_time() == 9);
    drain(s);
    CHECK(s.next_time() == time_max);
  }

  TEST_CASE("a handle of an event that already ran is stale and harmless, even after its slot is reused") {
    scheduler s;
    int first = 0;
    int second = 0;
    event_handle old = s.schedule(1, [&] { ++first; });
    drain(s);
    CHECK(first == 1);
    CHECK_FALSE(s.cancel(old));

    // The freed slot is taken by the next event; the old handle must not reach it.
    event_handle fresh = s.schedule(2, [&] { ++second; });
    CHECK(fresh.slot == old.slot);
    CHECK(fresh.generation != old.generation);
    CHECK_FALSE(s.cancel(old));
    CHECK(s.pending() == 1);
    drain(s);
    CHECK(second == 1);
  }

  TEST_CASE("a handle of a cancelled event stays stale once the slot is reused") {
    scheduler s;
    int ran = 0;
    event_handle old = s.schedule(1, [] {});
    s.cancel(old);
    drain(s);  // frees the slot
    event_handle fresh = s.schedule(2, [&] { ++ran; });
    CHECK_FALSE(s.cancel(old));
    drain(s);
    CHECK(ran == 1);
    CHECK_FALSE(s.cancel(fresh));
  }

  TEST_CASE("default and out-of-range handles are refused") {
    scheduler s;
    s.schedule(1, [] {});
    CHECK_FALSE(s.cancel(event_handle{}));
    CHECK_FALSE(s.cancel(event_handle{12345, 0}));
    CHECK(s.pending() == 1);
  }

  TEST_CASE("cancelling most of many events keeps the rest in order, ties included, and their handles valid") {
    // Enough cancellations to make the queue sweep its cancelled entries out in bulk.
    scheduler s;
    std::vector<event_handle> handles;
    std::vector<int> order;
    for (int i = 0; i < 1000; ++i) {
      const time_us at = 1000 - i / 2;  // pairs of equal times, scheduled latest first
      handles.push_back(s.schedule(at, [&order, i] { order.push_back(i); }));
    }
    for (int i = 0; i < 1000; ++i)
      if (i % 10 != 0 && i % 10 != 1) CHECK(s.cancel(handles[i]));
    CHECK(s.pending() == 200);
    for (int i = 0; i < 1000; ++i)
      if (i % 10 != 0 && i % 10 != 1) CHECK_FALSE(s.cancel(handles[i]));  // stale after the sweep too
    CHECK(s.cancel(handles[990]));  // a surviving event can still be cancelled by its handle
    std::vector<int> expected;
    for (int i = 980; i >= 0; i -= 10) {
      expected.push_back(i);  // i and i + 1 share a time: insertion order breaks the tie
      expected.push_back(i + 1);
    }
    expected.insert(expected.begin(), 991);
    drain(s);
    CHECK(order == expected);
    CHECK(s.pending() == 0);
  }

  TEST_CASE("pop takes only events due at or before until") {
    scheduler s;
    s.schedule(10, [] {});
    s.schedule(20, [] {});
    CHECK(drain(s, 9).empty());
    CHECK(drain(s, 10) == std::vector<time_us>{10});
    CHECK(s.next_time() == 20);
    CHECK(s.pending() == 1);
  }

  TEST_CASE("a cancelled event releases what its callback owns at once") {
    scheduler s;
    auto owned = std::make_shared<int>(1);
    event_handle h = s.schedule(1, [owned] {});
    CHECK(owned.use_count() == 2);
    s.cancel(h);
    CHECK(owned.use_count() == 1);
  }
}
