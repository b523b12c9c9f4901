#include "contract/pricing.hpp"

#include <cassert>

namespace pilesim::contract {
namespace {
// Wh * (1/10000 currency per kWh) -> minor units (1/100): divide by 1000 (Wh per kWh) * 10000 / 100.
constexpr std::int64_t divisor = 100'000;
}  // namespace

money session_cost(std::int64_t energy_wh, tariff_rate rate) {
  assert(energy_wh >= 0);
  const std::int64_t p = rate.total().e4;
  return money{(energy_wh * p + divisor / 2) / divisor};
}

std::int64_t energy_cap_wh(money frozen, tariff_rate rate) {
  const std::int64_t p = rate.total().e4;
  if (p <= 0) return -1;
  if (frozen.minor < 0) return 0;
  // cost(wh) <= frozen  <=>  wh*p + divisor/2 < (frozen+1)*divisor  <=>  wh*p <= (frozen+1)*divisor - divisor/2 - 1
  const std::int64_t cap = ((frozen.minor + 1) * divisor - divisor / 2 - 1) / p;
  assert(session_cost(cap, rate) <= frozen);
  return cap;
}

}  // namespace pilesim::contract
