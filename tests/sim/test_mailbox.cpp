// The bounded single-waiter mailbox: receive with and without a deadline, the tie between a message and the
// timeout at the same instant (first scheduled wins, and the message is never lost), capacity, cancel, clear.
#include "sim/mailbox.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace pilesim;
using namespace pilesim::sim;

namespace {

// What one receive gave, and when.
struct receipt {
  int value = -1;
  boost::system::error_code error;
  time_us at = -1;
};

void record(kernel& k, const result<int>& r, std::vector<receipt>& out) {
  receipt x;
  x.at = k.now();
  if (r) x.value = *r;
  else x.error = r.error();
  out.push_back(x);
}

// Receives `count` times, each with a deadline `timeout` after it starts (time_max: no deadline).
asio::awaitable<void> receiver(kernel& k, mailbox<int>& mb, int count, time_us timeout,
                               std::vector<receipt>& out) {
  for (int i = 0; i < count; ++i) {
    const time_us deadline = timeout == time_max ? time_max : k.now() + timeout;
    result<int> r = co_await mb.receive_until(deadline);
    record(k, r, out);
  }
}

struct world {
  kernel k{1};
  mailbox<int> mb{k, 4};
  std::vector<receipt> got;
  ~world() { k.shutdown(); }
};

}  // namespace

TEST_SUITE("sim/mailbox") {
  TEST_CASE("a message queued before receive is received at once") {
    world w;
    CHECK(w.mb.push(7));
    CHECK(w.mb.size() == 1);
    w.k.spawn("rx", receiver(w.k, w.mb, 1, time_max, w.got));
    w.k.run({});
    REQUIRE(w.got.size() == 1);
    CHECK(w.got[0].value == 7);
    CHECK(w.got[0].at == 0);
    CHECK(w.mb.size() == 0);
  }

  TEST_CASE("receive waits for the next push, and queued messages come out in order") {
    world w;
    w.k.at(5 * msec, [&] {
      w.mb.push(1);
      w.mb.push(2);
      w.mb.push(3);
    });
    w.k.spawn("rx", receiver(w.k, w.mb, 3, time_max, w.got));
    w.k.run({});
    REQUIRE(w.got.size() == 3);
    for (int i = 0; i < 3; ++i) {
      CHECK(w.got[i].value == i + 1);
      CHECK(w.got[i].at == 5 * msec);
    }
  }

  TEST_CASE("receive_until gives the message that comes before the deadline") {
    world w;
    w.k.at(3 * msec, [&] { w.mb.push(42); });
    w.k.spawn("rx", receiver(w.k, w.mb, 1, 10 * msec, w.got));
    run_outcome out = w.k.run({});
    REQUIRE(w.got.size() == 1);
    CHECK(w.got[0].value == 42);
    CHECK_FALSE(w.got[0].error);
    CHECK(w.got[0].at == 3 * msec);
    CHECK(out.end_us == 3 * msec);  // the timeout was withdrawn
    CHECK(out.idle);
  }

  TEST_CASE("receive_until gives errc::timeout at the deadline when nothing comes") {
    world w;
    w.k.spawn("rx", receiver(w.k, w.mb, 1, 10 * msec, w.got));
    w.k.run({});
    REQUIRE(w.got.size() == 1);
    CHECK(w.got[0].error == errc::timeout);
    CHECK(w.got[0].at == 10 * msec);
    CHECK_FALSE(w.mb.waiting());
  }

  TEST_CASE("a message and the timeout at the same instant: the message scheduled first wins") {
    world w;
    w.k.at(10 * msec, [&] { w.mb.push(5); });  // scheduled before the actor starts and sets its deadline
    w.k.spawn("rx", receiver(w.k, w.mb, 2, 10 * msec, w.got));
    w.k.run({});
    REQUIRE(w.got.size() == 2);
    CHECK(w.got[0].value == 5);
    CHECK_FALSE(w.got[0].error);
    CHECK(w.got[0].at == 10 * msec);
    CHECK(w.got[1].error == errc::timeout);  // delivered once only
    CHECK(w.got[1].at == 20 * msec);
  }

  TEST_CASE("a message and the timeout at the same instant: the timeout scheduled first wins, the message stays") {
    world w;
    w.k.spawn("rx", receiver(w.k, w.mb, 2, 10 * msec, w.got));
    // Runs after the actor started and set its deadline, so the push is scheduled second.
    w.k.at(0, [&] { w.k.at(10 * msec, [&] { w.mb.push(5); }); });
    w.k.run({});
    REQUIRE(w.got.size() == 2);
    CHECK(w.got[0].error == errc::timeout);
    CHECK(w.got[0].at == 10 * msec);
    CHECK(w.got[1].value == 5);  // the next receive gets it
    CHECK_FALSE(w.got[1].error);
    CHECK(w.got[1].at == 10 * msec);
  }

  TEST_CASE("a full mailbox refuses push and keeps what it holds") {
    kernel k(1);
    mailbox<int> mb(k, 2);
    CHECK(mb.push(1));
    CHECK(mb.push(2));
    CHECK_FALSE(mb.push(3));
    CHECK(mb.size() == 2);
    CHECK(mb.try_receive() == 1);
    CHECK(mb.push(4));
    CHECK(mb.try_receive() == 2);
    CHECK(mb.try_receive() == 4);
    CHECK_FALSE(mb.try_receive().has_value());
  }

  TEST_CASE("cancel completes a pending receive with errc::cancelled at the cancel instant") {
    world w;
    bool cancelled = false;
    w.k.spawn("rx", receiver(w.k, w.mb, 1, 100 * msec, w.got));
    w.k.at(5 * msec, [&] { cancelled = w.mb.cancel(); });
    run_outcome out = w.k.run({});
    CHECK(cancelled);
    REQUIRE(w.got.size() == 1);
    CHECK(w.got[0].error == errc::cancelled);
    CHECK(w.got[0].at == 5 * msec);
    CHECK(out.end_us == 5 * msec);  // the deadline was withdrawn too
  }

  TEST_CASE("cancel with no receiver waiting returns false and keeps the queue") {
    kernel k(1);
    mailbox<int> mb(k, 2);
    mb.push(1);
    CHECK_FALSE(mb.cancel());
    CHECK(mb.size() == 1);
  }

  TEST_CASE("clear forgets every queued message") {
    world w;
    w.mb.push(1);
    w.mb.push(2);
    w.mb.clear();
    CHECK(w.mb.size() == 0);
    w.k.spawn("rx", receiver(w.k, w.mb, 1, 10 * msec, w.got));
    w.k.run({});
    REQUIRE(w.got.size() == 1);
    CHECK(w.got[0].error == errc::timeout);
  }

  TEST_CASE("a waiting receiver is reported as waiting until it completes") {
    world w;
    bool waiting_before = false;
    w.k.spawn("rx", receiver(w.k, w.mb, 1, time_max, w.got));
    w.k.at(1 * msec, [&] {
      waiting_before = w.mb.waiting();
      w.mb.push(9);
    });
    w.k.run({});
    CHECK(waiting_before);
    CHECK_FALSE(w.mb.waiting());
    REQUIRE(w.got.size() == 1);
    CHECK(w.got[0].value == 9);
  }
}
