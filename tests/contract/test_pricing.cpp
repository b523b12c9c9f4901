// The one pricing function: cost is Wh x price divided once and rounded half up, and the energy cap is the
// largest energy whose cost stays within the frozen amount, exactly at every boundary.
#include "contract/pricing.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace pilesim;
using namespace pilesim::contract;

namespace {
tariff_rate rate_of(std::int64_t energy_e4, std::int64_t service_e4) {
  return tariff_rate{price_per_kwh{energy_e4}, price_per_kwh{service_e4}};
}
}  // namespace

TEST_SUITE("contract/pricing") {
  TEST_CASE("cost rounds half up, once, on the total of energy and service prices") {
    const tariff_rate one = rate_of(10'000, 0);  // 1.0000 per kWh: 1 Wh is a tenth of a fen
    CHECK(session_cost(0, one) == money{0});
    CHECK(session_cost(4, one) == money{0});
    CHECK(session_cost(5, one) == money{1});     // exactly half a fen rounds up
    CHECK(session_cost(14, one) == money{1});
    CHECK(session_cost(15, one) == money{2});
    CHECK(session_cost(1000, one) == money{100});
    // 30 kWh at 1.2000 + 0.3000: 45.00, whatever the split between the two prices.
    CHECK(session_cost(30'000, rate_of(12'000, 3'000)) == money{4500});
    CHECK(session_cost(30'000, rate_of(15'000, 0)) == money{4500});
    // 5 Wh at 1.0000 + 1.0000: each part alone is half a fen and would round up to 1 + 1; the total,
    // priced once, is exactly 1.
    CHECK(session_cost(5, rate_of(10'000, 10'000)) == money{1});
  }

  TEST_CASE("the cap is the largest energy whose cost does not exceed the frozen amount") {
    for (std::int64_t price : {1, 999, 10'044, 15'000, 123'457}) {
      const tariff_rate rate = rate_of(price, 0);
      for (std::int64_t frozen = 0; frozen <= 3'000; frozen += 7) {
        const std::int64_t cap = energy_cap_wh(money{frozen}, rate);
        REQUIRE(cap >= 0);
        CHECK(session_cost(cap, rate) <= money{frozen});
        CHECK(session_cost(cap + 1, rate) > money{frozen});
      }
    }
  }

  TEST_CASE("no price means no cap from money; a negative amount allows nothing") {
    CHECK(energy_cap_wh(money{5000}, rate_of(0, 0)) == -1);
    CHECK(energy_cap_wh(money{-1}, rate_of(10'000, 0)) == 0);
    CHECK(energy_cap_wh(money{0}, rate_of(10'000, 0)) == 4);  // 4 Wh still cost 0 fen
  }
}
