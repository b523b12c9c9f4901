// The scalar values people write in scenario files — durations, decimals, probabilities, counts, flags,
// money and `a..b` ranges — turned into exact integers. Text in, integer or a reason out: no floating point,
// no locale, no YAML. It never knows where a value sits in a file; the loader adds that to the reason.
#pragma once

#include "contract/money.hpp"
#include "sim/time.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pilesim::scenarios {

// Why a value was refused, in words for the person who wrote it ("'30' has no unit: write e.g. 30s").
struct value_error {
  std::string message;
};

template <class T>
using parsed = boost::system::result<T, value_error>;

// Only reached by calling .value() on a refused value, which is a bug in the caller.
[[noreturn]] void throw_exception_from_error(const value_error& e, const boost::source_location& loc);

// `250ms`, `30s`, `15m`, `2h`, `1d`, `5us`, and combinations in strictly descending units (`1h30m`,
// `2m30s`, `1s500ms`) -> microseconds. The last part may have a fraction that comes to whole microseconds
// (`7.5ms`, `1.5h`). A bare number, a sign, a unit out of order or a finer fraction is refused.
parsed<sim::time_us> parse_duration_us(std::string_view text);

// A non-negative decimal with at most `frac_digits_max` fractional digits, scaled by 10^frac_digits_max:
// ("7.4", 3) -> 7400. Exact: the text's digits are the value's digits.
parsed<std::int64_t> parse_scaled_decimal(std::string_view text, int frac_digits_max);

// A number in [0, 1] with at most 9 decimals -> parts per billion ("0.5" -> 500000000).
parsed<std::uint32_t> parse_probability_ppb(std::string_view text);

// A number in [0, 1] with at most 6 decimals -> parts per million ("0.20" -> 200000).
parsed<std::int64_t> parse_fraction_ppm(std::string_view text);

// A decimal integer in [0, max].
parsed<std::int64_t> parse_count(std::string_view text, std::int64_t max);

// A decimal integer in [0, 2^64 - 1].
parsed<std::uint64_t> parse_seed(std::string_view text);

// `true` or `false` (also `True`/`TRUE`/`False`/`FALSE`, as YAML 1.2 spells them); never yes/no/on/off.
parsed<bool> parse_flag(std::string_view text);

// Money that is never negative, at most 2 decimals (contract/money.hpp), with a reason people understand.
parsed<money> parse_amount(std::string_view text);

// A price per kWh, at most 4 decimals (contract/money.hpp), with a reason people understand.
parsed<price_per_kwh> parse_kwh_price(std::string_view text);

// `a..b` split at the first ".." (either side may be empty: parsing it says why); nullopt without "..".
struct range_text {
  std::string_view lo;
  std::string_view hi;
};
std::optional<range_text> split_range(std::string_view text);

}  // namespace pilesim::scenarios
