// Virtual-time waits: a wait completes at exactly its deadline; a cancel before the deadline completes it
// with errc::cancelled at the cancel instant; a cancel after the deadline does nothing and says so.
#include "sim/timer.hpp"

#include <doctest/doctest.h>

using namespace pilesim;
using namespace pilesim::sim;

namespace {

// What one wait gave, and when.
struct wait_record {
  bool done = false;
  boost::system::error_code error;
  time_us at = -1;
};

asio::awaitable<void> wait_until(kernel& k, timer& t, time_us when, wait_record& rec) {
  result<void> r = co_await t.wait_until(when);
  rec.done = true;
  rec.at = k.now();
  if (!r) rec.error = r.error();
}

asio::awaitable<void> wait_twice(kernel& k, timer& t, time_us delay, wait_record& first, wait_record& second) {
  co_await wait_until(k, t, k.now() + delay, first);
  result<void> r = co_await t.wait_for(delay);
  second.done = true;
  second.at = k.now();
  if (!r) second.error = r.error();
}

struct world {
  kernel k{1};
  timer t{k};
  wait_record rec;
  ~world() { k.shutdown(); }
};

}  // namespace

TEST_SUITE("sim/timer") {
  TEST_CASE("a wait completes ok at exactly its deadline") {
    world w;
    w.k.spawn("waiter", wait_until(w.k, w.t, 1234 * usec, w.rec));
    run_outcome out = w.k.run({});
    CHECK(w.rec.done);
    CHECK_FALSE(w.rec.error);
    CHECK(w.rec.at == 1234 * usec);
    CHECK(out.end_us == 1234 * usec);
    CHECK_FALSE(w.t.pending());
  }

  TEST_CASE("wait_for counts from now, and a timer can wait again once a wait is over") {
    world w;
    wait_record second;
    w.k.at(1 * msec, [&] { w.k.spawn("waiter", wait_twice(w.k, w.t, 500 * usec, w.rec, second)); });
    w.k.run({});
    CHECK(w.rec.done);
    CHECK(w.rec.at == 1500 * usec);
    CHECK(second.done);
    CHECK_FALSE(second.error);
    CHECK(second.at == 2 * msec);
  }

  TEST_CASE("a deadline in the past completes now") {
    world w;
    w.k.at(10 * msec, [&] { w.k.spawn("waiter", wait_until(w.k, w.t, 3 * msec, w.rec)); });
    w.k.run({});
    CHECK(w.rec.done);
    CHECK_FALSE(w.rec.error);
    CHECK(w.rec.at == 10 * msec);
  }

  TEST_CASE("the wait is pending until its deadline") {
    world w;
    bool pending_before = false;
    w.k.spawn("waiter", wait_until(w.k, w.t, 10 * msec, w.rec));
    w.k.at(9 * msec, [&] { pending_before = w.t.pending(); });
    w.k.run({});
    CHECK(pending_before);
    CHECK_FALSE(w.t.pending());
  }

  TEST_CASE("cancelling before the deadline gives errc::cancelled at the cancel instant") {
    world w;
    bool cancelled = false;
    w.k.spawn("waiter", wait_until(w.k, w.t, 100 * msec, w.rec));
    w.k.at(40 * msec, [&] { cancelled = w.t.cancel(); });
    run_outcome out = w.k.run({});
    CHECK(cancelled);
    CHECK(w.rec.done);
    CHECK(w.rec.error == errc::cancelled);
    CHECK(w.rec.at == 40 * msec);
    CHECK(out.idle);
    CHECK(out.end_us == 40 * msec);  // the deadline event was withdrawn, not merely ignored
    CHECK(out.events == 1);
  }

  TEST_CASE("cancelling after the deadline is a no-op and the wait had completed ok") {
    world w;
    bool cancelled = true;
    w.k.spawn("waiter", wait_until(w.k, w.t, 10 * msec, w.rec));
    w.k.at(20 * msec, [&] { cancelled = w.t.cancel(); });
    w.k.run({});
    CHECK_FALSE(cancelled);
    CHECK(w.rec.done);
    CHECK_FALSE(w.rec.error);
    CHECK(w.rec.at == 10 * msec);
  }

  TEST_CASE("cancelling at the deadline instant after the deadline event is a no-op") {
    world w;
    bool cancelled = true;
    w.k.spawn("waiter", wait_until(w.k, w.t, 10 * msec, w.rec));
    // Scheduled after the wait's own deadline event (the actor starts in the first round): runs second.
    w.k.at(0, [&] { w.k.at(10 * msec, [&] { cancelled = w.t.cancel(); }); });
    w.k.run({});
    CHECK_FALSE(cancelled);
    CHECK_FALSE(w.rec.error);
    CHECK(w.rec.at == 10 * msec);
  }

  TEST_CASE("cancel with nothing pending returns false") {
    world w;
    CHECK_FALSE(w.t.cancel());
    CHECK_FALSE(w.t.pending());
  }
}
