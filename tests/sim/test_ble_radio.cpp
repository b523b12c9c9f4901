// The BLE radio's pure functions: connection event instants across parameter updates, stateless outcomes
// (share near the loss, independent of slot and direction), and the supervision skip search, which must find
// exactly the drop instant that walking every event one by one finds.
#include "sim/ble_radio.hpp"

#include "sim/rng.hpp"

#include <doctest/doctest.h>

using namespace pilesim;
using namespace pilesim::sim;

namespace {

// Event by event: the first instant with no success for timeout_us since the last one.
time_us naive_drop(const ble_radio& r, const supervision_question& q, std::uint64_t events_max) {
  time_us last_ok = q.last_ok_us;
  for (std::uint64_t i = q.first_unknown; i < q.first_unknown + events_max; ++i) {
    const time_us t = q.timeline.at(i);
    if (t >= last_ok + q.timeout_us) return last_ok + q.timeout_us;
    if (q.reachable && r.gets_through(i, 0, 0, q.loss_ppb)) last_ok = t;
  }
  return time_max;
}

}  // namespace

TEST_SUITE("sim/ble_radio") {
  TEST_CASE("connection events fall on the anchor's grid and keep rising across an update") {
    const ble_timeline a{1000, 0, 30'000};
    CHECK(a.at(0) == 1000);
    CHECK(a.at(3) == 91'000);
    CHECK(a.first_at_or_after(0) == 0);
    CHECK(a.first_at_or_after(1000) == 0);
    CHECK(a.first_at_or_after(1001) == 1);
    CHECK(a.first_at_or_after(91'000) == 3);
    CHECK(a.last_before(91'000) == 2);
    const ble_timeline b{a.at(7), 7, 100'000};  // an update at event 7
    CHECK(b.at(7) == a.at(7));
    CHECK(b.at(8) == a.at(7) + 100'000);
    CHECK(b.first_at_or_after(a.at(7) + 1) == 8);
  }

  TEST_CASE("outcomes come out near the loss and differ by event, slot, direction and connection") {
    const ble_radio r(0x1234, 1);
    for (std::uint32_t loss : {0u, 100'000'000u, 500'000'000u, 900'000'000u, ppb_one}) {
      int through = 0;
      for (std::uint64_t i = 0; i < 20'000; ++i) through += r.gets_through(i, 0, 0, loss);
      const double expected = 20'000.0 * (1.0 - loss / 1e9);
      CHECK(through >= expected - 400);
      CHECK(through <= expected + 400);
    }
    int same_slot = 0, same_dir = 0, same_conn = 0;
    const ble_radio other(0x1234, 2);
    for (std::uint64_t i = 0; i < 2000; ++i) {
      const bool x = r.gets_through(i, 1, 0, 500'000'000);
      same_slot += x == r.gets_through(i, 2, 0, 500'000'000);
      same_dir += x == r.gets_through(i, 1, 1, 500'000'000);
      same_conn += x == other.gets_through(i, 1, 0, 500'000'000);
    }
    for (int same : {same_slot, same_dir, same_conn}) {
      CHECK(same > 1000 - 150);  // independent: agree about half the time
      CHECK(same < 1000 + 150);
    }
  }

  TEST_CASE("the skip search finds the drop exactly where an event-by-event walk does") {
    rng pick(7, "test/supervision");
    int drops = 0;
    for (int n = 0; n < 400; ++n) {
      supervision_question q;
      q.timeline.interval_us = static_cast<time_us>(pick.uniform(7'500, 200'000));
      q.timeline.anchor_index = pick.uniform(0, 50);
      q.timeline.anchor_us = static_cast<time_us>(pick.uniform(0, 10'000'000));
      q.first_unknown = q.timeline.anchor_index + pick.uniform(0, 5);
      q.last_ok_us = q.timeline.at(q.first_unknown) - static_cast<time_us>(pick.uniform(0, 50'000));
      q.timeout_us = std::max<time_us>(2 * q.timeline.interval_us + 1,
                                       static_cast<time_us>(pick.uniform(100'000, 2'000'000)));
      const std::uint32_t losses[] = {0, 200'000'000, 600'000'000, 800'000'000, 950'000'000, 999'000'000, ppb_one};
      q.loss_ppb = losses[pick.uniform(0, 6)];
      q.reachable = pick.uniform(0, 9) != 0;
      q.horizon_events = 1 << 14;
      const ble_radio r(pick.next(), pick.uniform(1, 3));
      const supervision_answer a = plan_supervision(r, q);
      CAPTURE(n);
      CAPTURE(q.loss_ppb);
      if (a.drop_us != time_max) {
        ++drops;
        CHECK(a.drop_us == naive_drop(r, q, (1 << 15)));
        CHECK(a.replan_us == time_max);
      } else {
        // No drop within the horizon: the walk finds none either, and a replan is asked for unless loss is 0.
        CHECK(naive_drop(r, q, q.horizon_events) == time_max);
        CHECK((q.loss_ppb == 0) == (a.replan_us == time_max));
      }
    }
    CHECK(drops > 100);
  }

  TEST_CASE("out of reach or at loss 1 the drop comes one timeout after the last success") {
    supervision_question q;
    q.last_ok_us = 5'000'000;
    q.first_unknown = 10;
    q.timeline = {4'990'000, 9, 30'000};
    q.timeout_us = 4'000'000;
    q.reachable = false;
    const ble_radio r(1, 1);
    CHECK(plan_supervision(r, q).drop_us == 9'000'000);
    q.reachable = true;
    q.loss_ppb = ppb_one;
    CHECK(plan_supervision(r, q).drop_us == 9'000'000);
    q.loss_ppb = 0;
    CHECK(plan_supervision(r, q).drop_us == time_max);
    CHECK(plan_supervision(r, q).replan_us == time_max);
  }
}
