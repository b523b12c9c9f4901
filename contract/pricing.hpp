// The one pricing function: the pile's running cost, the pile's cap and the server's repricing all call it,
// so they can never disagree. Exact integers: Wh x price(1/10000 per kWh), divided once, rounded half up.
// It must never use floating point or round twice.
#pragma once

#include "contract/money.hpp"

#include <cstdint>

namespace pilesim::contract {

struct tariff_rate {
  price_per_kwh energy;   // energy_per_kwh
  price_per_kwh service;  // service_per_kwh
  price_per_kwh total() const { return energy + service; }
};

// Cost of `energy_wh` at `rate`: round_half_up(Wh * price_e4 / 100000) minor units (2 minor digits).
money session_cost(std::int64_t energy_wh, tariff_rate rate);

// The largest energy whose cost does not exceed `frozen`; -1 when the price is zero (no cap from money).
// Postcondition: session_cost(result) <= frozen < session_cost(result + 1).
std::int64_t energy_cap_wh(money frozen, tariff_rate rate);

}  // namespace pilesim::contract
