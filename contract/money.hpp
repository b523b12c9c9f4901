// Money as integer minor units (fen for CNY), and prices per kWh in 1/10000 currency units.
// Never a double: parsing and formatting are exact decimal; arithmetic is integer and checked by the ledger.
#pragma once

#include "sim/error.hpp"

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace pilesim {

// An amount in minor units (1 = 0.01 CNY).
struct money {
  std::int64_t minor = 0;

  friend constexpr auto operator<=>(money, money) = default;
  friend constexpr money operator+(money a, money b) { return {a.minor + b.minor}; }
  friend constexpr money operator-(money a, money b) { return {a.minor - b.minor}; }
  constexpr money& operator+=(money o) { minor += o.minor; return *this; }
  constexpr money& operator-=(money o) { minor -= o.minor; return *this; }
};

// A price per kWh in 1/10000 currency units (1.0044 CNY/kWh = 10044).
struct price_per_kwh {
  std::int64_t e4 = 0;

  friend constexpr auto operator<=>(price_per_kwh, price_per_kwh) = default;
  friend constexpr price_per_kwh operator+(price_per_kwh a, price_per_kwh b) { return {a.e4 + b.e4}; }
};

// "12.60" -> 1260. At most two fractional digits, optional leading '-', no exponent, no spaces.
result<money> parse_money(std::string_view text);
// "1.0044" -> 10044. At most four fractional digits, not negative.
result<price_per_kwh> parse_price(std::string_view text);

// 1260 -> "12.60"; -5 -> "-0.05".
std::string format_money(money m);
// 10044 -> "1.0044".
std::string format_price(price_per_kwh p);

}  // namespace pilesim
