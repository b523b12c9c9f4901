#include "scenarios/engine/values.hpp"

#include <array>
#include <limits>
#include <stdexcept>

namespace pilesim::scenarios {
namespace {

constexpr std::string_view unit_list = "units: d, h, m, s, ms, us";
constexpr std::size_t duration_frac_digits_max = 6;

struct duration_unit {
  std::string_view name;
  sim::time_us us;
};

// Largest first: a duration's units must appear in this order, each at most once.
constexpr std::array<duration_unit, 6> duration_units{{
    {"d", 24 * sim::hour},
    {"h", sim::hour},
    {"m", sim::minute},
    {"s", sim::sec},
    {"ms", sim::msec},
    {"us", sim::usec},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

value_error refuse(std::string_view noun, std::string_view text, std::string_view reason) {
  std::string m = "bad ";
  m += noun;
  m += " '";
  m += text;
  m += "': ";
  m += reason;
  return {std::move(m)};
}

enum class decimal_fault { none, empty, negative, not_a_number, exponent, too_many_decimals, too_large };

// Reads digits[.digits] exactly into an integer scaled by 10^frac_digits_max. A leading '.' or a trailing
// '.' is refused, as parse_money refuses them, so that every number in a file follows one rule.
decimal_fault scan_decimal(std::string_view text, int frac_digits_max, std::int64_t& out) {
  if (text.empty()) return decimal_fault::empty;
  if (text[0] == '-') return decimal_fault::negative;
  std::int64_t scale = 1;
  for (int k = 0; k < frac_digits_max; ++k) scale *= 10;
  // Bounded so that whole * scale + frac can never overflow.
  const std::int64_t whole_max = std::numeric_limits<std::int64_t>::max() / scale - 1;
  std::size_t i = 0;
  std::int64_t whole = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    int d = text[i] - '0';
    if (whole > (whole_max - d) / 10) return decimal_fault::too_large;
    whole = whole * 10 + d;
  }
  if (i == 0) return decimal_fault::not_a_number;
  std::int64_t frac = 0;
  int frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (++frac_digits > frac_digits_max) {
        // Keep scanning: "7.12345x" is not a number at all, which says more than "too many decimals".
        while (i < text.size() && is_digit(text[i])) ++i;
        return i == text.size() ? decimal_fault::too_many_decimals : decimal_fault::not_a_number;
      }
      frac = frac * 10 + (text[i] - '0');
    }
    if (frac_digits == 0) return decimal_fault::not_a_number;
  }
  if (i < text.size()) return text[i] == 'e' || text[i] == 'E' ? decimal_fault::exponent
                                                                : decimal_fault::not_a_number;
  for (int k = frac_digits; k < frac_digits_max; ++k) frac *= 10;
  out = whole * scale + frac;
  return decimal_fault::none;
}

// `example` is what a good value looks like ("0.5" for a probability), quoted back when the text is no number.
value_error explain(decimal_fault f, std::string_view noun, std::string_view text, int frac_digits_max,
                    std::string_view example) {
  switch (f) {
    case decimal_fault::empty: return refuse(noun, text, "empty");
    case decimal_fault::negative: return refuse(noun, text, "must not be negative");
    case decimal_fault::exponent: return refuse(noun, text, "write it without an exponent");
    case decimal_fault::too_many_decimals:
      return refuse(noun, text, "at most " + std::to_string(frac_digits_max) + " decimal places");
    case decimal_fault::too_large: return refuse(noun, text, "too large");
    case decimal_fault::none:
    case decimal_fault::not_a_number: break;
  }
  if (frac_digits_max == 0) return refuse(noun, text, "expected a whole number");
  return refuse(noun, text, "expected a number like " + std::string(example));
}

parsed<std::int64_t> parse_unit_fraction(std::string_view text, int frac_digits_max, std::int64_t one) {
  std::int64_t v = 0;
  auto f = scan_decimal(text, frac_digits_max, v);
  if (f == decimal_fault::negative) return refuse("number", text, "must be in [0, 1]");
  if (f != decimal_fault::none) return explain(f, "number", text, frac_digits_max, "0.25");
  if (v > one) return refuse("number", text, "must be in [0, 1]");
  return v;
}

}  // namespace

void throw_exception_from_error(const value_error& e, const boost::source_location&) {
  throw std::logic_error("bug: value of a refused scenario value: " + e.message);
}

parsed<sim::time_us> parse_duration_us(std::string_view text) {
  constexpr std::string_view noun = "duration";
  if (text.empty()) return refuse(noun, text, "empty");
  if (text[0] == '-') return refuse(noun, text, "must not be negative");
  sim::time_us total = 0;
  std::size_t next_unit = 0;  // index in duration_units of the largest unit still allowed
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) return refuse(noun, text, "expected e.g. 250ms, 30s, 15m, 2h, 1h30m or 1d");
    std::int64_t n = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      int d = text[i] - '0';
      if (n > (sim::time_max - d) / 10) return refuse(noun, text, "too large");
      n = n * 10 + d;
    }
    // A fraction (`7.5ms`, BLE's shortest connection interval) is allowed in the last part, if it comes to
    // whole microseconds.
    std::int64_t frac = 0;
    std::int64_t frac_scale = 1;
    if (i < text.size() && text[i] == '.') {
      ++i;
      const std::size_t frac_begin = i;
      for (; i < text.size() && is_digit(text[i]); ++i) {
        if (i - frac_begin >= duration_frac_digits_max)
          return refuse(noun, text, "at most " + std::to_string(duration_frac_digits_max) + " decimal places");
        frac = frac * 10 + (text[i] - '0');
        frac_scale *= 10;
      }
      if (i == frac_begin) return refuse(noun, text, "expected e.g. 250ms, 30s, 15m, 2h, 1h30m or 1d");
    }
    std::size_t unit_begin = i;
    for (; i < text.size() && is_letter(text[i]); ++i) {
    }
    std::string_view name = text.substr(unit_begin, i - unit_begin);
    if (name.empty()) {
      if (i < text.size()) return refuse(noun, text, "expected e.g. 250ms, 30s, 15m, 2h, 1h30m or 1d");
      std::string example = std::string(text.substr(0, unit_begin)) + "s";
      return refuse(noun, text, "a number needs a unit, e.g. " + example + " (" + std::string(unit_list) + ")");
    }
    std::size_t u = 0;
    while (u < duration_units.size() && duration_units[u].name != name) ++u;
    if (u == duration_units.size())
      return refuse(noun, text, "unknown unit '" + std::string(name) + "' (" + std::string(unit_list) + ")");
    if (u < next_unit) return refuse(noun, text, "units must go from larger to smaller, each once, e.g. 1h30m");
    next_unit = u + 1;
    const sim::time_us unit_us = duration_units[u].us;
    if (frac_scale > 1) {
      if (i < text.size()) return refuse(noun, text, "a fraction only in the last part, e.g. 1m30.5s");
      // frac < 10^6 and unit_us <= 1 day: the product stays far below 2^63.
      if (frac * unit_us % frac_scale != 0) return refuse(noun, text, "finer than a microsecond");
    }
    if (n > (sim::time_max - total) / unit_us) return refuse(noun, text, "too large");
    total += n * unit_us;
    if (frac * unit_us / frac_scale > sim::time_max - total) return refuse(noun, text, "too large");
    total += frac * unit_us / frac_scale;
  }
  return total;
}

parsed<std::int64_t> parse_scaled_decimal(std::string_view text, int frac_digits_max) {
  std::int64_t v = 0;
  auto f = scan_decimal(text, frac_digits_max, v);
  if (f != decimal_fault::none) return explain(f, "number", text, frac_digits_max, "7.5");
  return v;
}

parsed<std::uint32_t> parse_probability_ppb(std::string_view text) {
  std::int64_t v = 0;
  auto f = scan_decimal(text, 9, v);
  if (f == decimal_fault::negative) return refuse("probability", text, "must be in [0, 1]");
  if (f != decimal_fault::none) return explain(f, "probability", text, 9, "0.5");
  if (v > 1'000'000'000) return refuse("probability", text, "must be in [0, 1]");
  return static_cast<std::uint32_t>(v);
}

parsed<std::int64_t> parse_fraction_ppm(std::string_view text) { return parse_unit_fraction(text, 6, 1'000'000); }

parsed<std::int64_t> parse_count(std::string_view text, std::int64_t max) {
  std::int64_t v = 0;
  auto f = scan_decimal(text, 0, v);
  if (f != decimal_fault::none || v > max)
    return refuse("count", text, "expected a whole number from 0 to " + std::to_string(max));
  return v;
}

parsed<std::uint64_t> parse_seed(std::string_view text) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  bool ok = !text.empty();
  for (char c : text) {
    if (!is_digit(c) || v > (max - static_cast<std::uint64_t>(c - '0')) / 10) {
      ok = false;
      break;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok) return refuse("seed", text, "expected a whole number from 0 to " + std::to_string(max));
  return v;
}

parsed<bool> parse_flag(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return refuse("flag", text, "expected true or false");
}

parsed<money> parse_amount(std::string_view text) {
  // Classify first so that the reason is specific; the value itself comes from the one money parser.
  std::int64_t ignored = 0;
  auto f = scan_decimal(text, 2, ignored);
  if (f != decimal_fault::none) return explain(f, "amount", text, 2, "12.60");
  auto m = parse_money(text);
  if (!m) return refuse("amount", text, "too large");  // the only thing money refuses beyond the scan
  return *m;
}

parsed<price_per_kwh> parse_kwh_price(std::string_view text) {
  std::int64_t ignored = 0;
  auto f = scan_decimal(text, 4, ignored);
  if (f != decimal_fault::none) return explain(f, "price", text, 4, "1.0044");
  auto p = parse_price(text);
  if (!p) return refuse("price", text, "too large");
  return *p;
}

std::optional<range_text> split_range(std::string_view text) {
  auto at = text.find("..");
  if (at == std::string_view::npos) return std::nullopt;
  return range_text{text.substr(0, at), text.substr(at + 2)};
}

}  // namespace pilesim::scenarios
