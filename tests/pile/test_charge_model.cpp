// The vehicle + pile energy model: exact integer energy, the taper above 80 %, the stop at 100 %, and answers
// that do not depend on how often the model is advanced.
#include "pile/charge_model.hpp"

#include <doctest/doctest.h>

using pilesim::pile::charge_model;

namespace {

constexpr std::int64_t sec = 1'000'000;
constexpr std::int64_t hour = 3600 * sec;

}  // namespace

TEST_SUITE("pile/charge_model") {
  TEST_CASE("constant power below 80 % delivers floor(P * t / 3.6e6) mWh exactly") {
    // 60 kWh at 20 %, 7 kW pile and charger: 1C = 60 kW, so 7 kW holds up to 80 %.
    const std::int64_t t0 = 5 * sec;
    charge_model m(7000, 60'000, 12'000'000, 7000, t0);
    CHECK(m.delivered_mwh_at(t0) == 0);
    CHECK(m.delivered_mwh_at(t0 - 1) == 0);
    CHECK(m.delivered_mwh_at(t0 + hour) == 7'000'000);
    CHECK(m.delivered_mwh_at(t0 + 1) == 0);
    for (std::int64_t t : {std::int64_t{1}, std::int64_t{514}, std::int64_t{515}, 7 * sec + 3, 3 * hour + 17})
      CHECK(m.delivered_mwh_at(t0 + t) == 7000 * t / 3'600'000);
    CHECK(m.power_w_at(t0 + hour) == 7000);
  }

  TEST_CASE("power is the least of pile, on-board charger and battery acceptance") {
    charge_model by_charger(22'000, 60'000, 0, 3300, 0);
    CHECK(by_charger.power_w_at(0) == 3300);
    CHECK(by_charger.delivered_mwh_at(hour) == 3'300'000);
    charge_model by_pile(3700, 60'000, 0, 11'000, 0);
    CHECK(by_pile.power_w_at(0) == 3700);
    charge_model by_battery(22'000, 5'000, 0, 22'000, 0);  // a 5 kWh battery accepts 5 kW
    CHECK(by_battery.power_w_at(0) == 5000);
  }

  TEST_CASE("acceptance tapers in 1 % steps from 1C at 80 % to 0.05C at 99 %, and is 0 when full") {
    CHECK(charge_model::acceptance_w(10'000, 0) == 10'000);
    CHECK(charge_model::acceptance_w(10'000, 79) == 10'000);
    CHECK(charge_model::acceptance_w(10'000, 80) == 10'000);
    CHECK(charge_model::acceptance_w(10'000, 81) == 9'500);
    CHECK(charge_model::acceptance_w(10'000, 90) == 5'000);
    CHECK(charge_model::acceptance_w(10'000, 99) == 500);
    CHECK(charge_model::acceptance_w(10'000, 100) == 0);
    CHECK(charge_model::acceptance_w(1, 99) == 1);  // a floor of 1 W: a tiny battery still fills
    for (int p = 81; p < 100; ++p)
      CHECK(charge_model::acceptance_w(10'000, p) < charge_model::acceptance_w(10'000, p - 1));
  }

  TEST_CASE("the taper slows a small battery near full, band by band") {
    // 10 kWh battery at 85 %, 7 kW: the battery limits from 87 % (6.5 kW) down to 0.5 kW at 99 %.
    charge_model m(7000, 10'000, 8'500'000, 7000, 0);
    CHECK(m.power_w_at(0) == 7000);
    std::int64_t last_power = 7000;
    std::int64_t t = 0;
    int bands_seen = 0;
    while (auto next = m.time_delivered(m.delivered_mwh_at(t) + 100'000)) {  // step 1 % = 100 Wh
      t = *next;
      const std::int64_t p = m.power_w_at(t);
      CHECK(p <= last_power);
      if (p < last_power) ++bands_seen;
      last_power = p;
    }
    CHECK(bands_seen >= 10);
    CHECK(m.delivered_mwh_at(t) == 1'500'000);
    CHECK(last_power == 0);  // full
  }

  TEST_CASE("the time to full is the sum of the bands, each rounded up to a microsecond") {
    // 100 Wh battery from empty, 1 kW pile: 1C = 100 W. Bulk 80 Wh at 100 W, then 1 Wh per band.
    charge_model m(1000, 100, 0, 1000, 0);
    std::int64_t expected = (std::int64_t{80'000} * 3'600'000 + 99) / 100;
    for (int p = 80; p < 100; ++p) {
      const std::int64_t w = 100 * (100 - p) / 20;
      expected += (std::int64_t{1000} * 3'600'000 + w - 1) / w;
    }
    REQUIRE(m.time_full().has_value());
    CHECK(*m.time_full() == expected);
    CHECK(m.delivered_mwh_at(expected) == 100'000);
    CHECK(m.delivered_mwh_at(expected - 1) < 100'000);
    CHECK(m.delivered_mwh_at(expected + 100 * hour) == 100'000);
    CHECK(m.power_w_at(expected) == 0);
  }

  TEST_CASE("charging stops at 100 % and never delivers beyond the battery") {
    charge_model m(7000, 60'000, 59'999'000, 7000, 0);
    REQUIRE(m.time_full().has_value());
    CHECK(m.delivered_mwh_at(*m.time_full() + 1000 * hour) == 1000);
    CHECK(!m.time_delivered(1001).has_value());
    CHECK(m.time_delivered(1000) == m.time_full());

    charge_model full(7000, 60'000, 60'000'000, 7000, 42);
    CHECK(full.time_full() == 42);
    CHECK(full.delivered_mwh_at(42 + hour) == 0);
    CHECK(!full.time_to_deliver(1, 42).has_value());

    charge_model over(7000, 60'000, 70'000'000, 7000, 0);  // stored above capacity is clamped
    CHECK(over.stored_at_start_mwh() == 60'000'000);
  }

  TEST_CASE("zero power never fills and never reaches a target") {
    charge_model m(7000, 60'000, 0, 0, 0);
    CHECK(!m.time_full().has_value());
    CHECK(!m.time_delivered(1).has_value());
    CHECK(m.delivered_mwh_at(100 * hour) == 0);
  }

  TEST_CASE("results do not depend on how often the model is advanced") {
    // Three observers of one run across the bulk and the taper: every second, at irregular instants, once.
    const std::int64_t t0 = 17;
    charge_model fine(7000, 10'000, 7'000'000, 6600, t0);
    charge_model odd(7000, 10'000, 7'000'000, 6600, t0);
    charge_model once(7000, 10'000, 7'000'000, 6600, t0);
    REQUIRE(fine.time_full().has_value());
    const std::int64_t end = *fine.time_full() + 10 * sec;
    std::int64_t step = 1;
    for (std::int64_t t = t0; t <= end; t += sec) fine.advance(t);
    for (std::int64_t t = t0; t <= end; t += (step = (step * 7919 + 13) % (97 * sec) + 1)) {
      odd.advance(t);
      CHECK(odd.delivered_mwh() == fine.delivered_mwh_at(t));
    }
    fine.advance(end);
    odd.advance(end);
    once.advance(end);
    CHECK(fine.delivered_mwh() == once.delivered_mwh());
    CHECK(odd.delivered_mwh() == once.delivered_mwh());
    CHECK(once.delivered_mwh() == 3'000'000);
    CHECK(once.stored_mwh() == 10'000'000);

    // And summing per-interval deltas from the anchors gives the same total as one look.
    std::int64_t sum = 0, prev = 0;
    for (std::int64_t t = t0; t <= end; t += 61 * sec + 7) {
      const std::int64_t d = once.delivered_mwh_at(t);
      CHECK(d >= prev);  // monotonic
      sum += d - prev;
      prev = d;
    }
    sum += once.delivered_mwh_at(end) - prev;
    CHECK(sum == once.delivered_mwh());
  }

  TEST_CASE("time_delivered is the exact inverse of delivered") {
    charge_model m(7000, 10'000, 6'000'000, 7000, 1000);
    const std::int64_t total = 4'000'000;
    for (std::int64_t target = 1; target <= total; target += 9973) {
      auto t = m.time_delivered(target);
      REQUIRE(t.has_value());
      CHECK(m.delivered_mwh_at(*t) >= target);
      CHECK(m.delivered_mwh_at(*t - 1) < target);
    }
    // Band edges exactly.
    for (int p = 80; p <= 100; ++p) {
      const std::int64_t target = 10'000'000 * p / 100 - 6'000'000;
      auto t = m.time_delivered(target);
      REQUIRE(t.has_value());
      CHECK(m.delivered_mwh_at(*t) == target);
      CHECK(m.delivered_mwh_at(*t - 1) < target);
    }
    CHECK(m.time_delivered(0) == 1000);
    CHECK(!m.time_delivered(total + 1).has_value());
  }

  TEST_CASE("time_to_deliver counts from what was delivered at now") {
    charge_model m(7000, 60'000, 0, 7000, 0);
    const std::int64_t now = 1800 * sec;  // 3.5 kWh in
    REQUIRE(m.delivered_mwh_at(now) == 3'500'000);
    auto t = m.time_to_deliver(7'000'000, now);
    REQUIRE(t.has_value());
    CHECK(*t == now + hour);
    CHECK(m.delivered_mwh_at(*t) == 10'500'000);
    CHECK(m.time_to_deliver(0, now) == now);
    CHECK(!m.time_to_deliver(60'000'000, now).has_value());
  }
}
