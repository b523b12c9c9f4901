#include "contract/money.hpp"

#include <cstdlib>
#include <limits>

namespace pilesim {
namespace {

// Parses [-]digits[.digits] with at most `frac_max` fractional digits into an integer scaled by 10^frac_max.
result<std::int64_t> parse_fixed(std::string_view text, int frac_max, bool allow_negative) {
  bool negative = false;
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    if (!allow_negative) return errc::bad_value;
    negative = true;
    ++i;
  }
  std::int64_t whole = 0;
  std::size_t digits = 0;
  constexpr std::int64_t whole_max = std::numeric_limits<std::int64_t>::max() / 100'000'000;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    whole = whole * 10 + (text[i] - '0');
    if (whole > whole_max) return errc::bad_value;
  }
  if (digits == 0) return errc::bad_value;
  std::int64_t frac = 0;
  int frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (++frac_digits > frac_max) return errc::bad_value;
      frac = frac * 10 + (text[i] - '0');
    }
    if (frac_digits == 0) return errc::bad_value;
  }
  if (i != text.size()) return errc::bad_value;
  std::int64_t scale = 1;
  for (int k = 0; k < frac_max; ++k) scale *= 10;
  for (int k = frac_digits; k < frac_max; ++k) frac *= 10;
  std::int64_t v = whole * scale + frac;
  return negative ? -v : v;
}

std::string format_fixed(std::int64_t v, int frac) {
  bool negative = v < 0;
  // Work in unsigned so that the most negative value does not overflow.
  std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  std::uint64_t scale = 1;
  for (int k = 0; k < frac; ++k) scale *= 10;
  std::string out = negative ? "-" : "";
  out += std::to_string(u / scale);
  out += '.';
  std::uint64_t rest = u % scale;
  for (std::uint64_t div = scale / 10; div > 0; div /= 10) {
    out += static_cast<char>('0' + rest / div);
    rest %= div;
  }
  return out;
}

}  // namespace

result<money> parse_money(std::string_view text) {
  auto v = parse_fixed(text, 2, true);
  if (!v) return v.error();
  return money{*v};
}

result<price_per_kwh> parse_price(std::string_view text) {
  auto v = parse_fixed(text, 4, false);
  if (!v) return v.error();
  return price_per_kwh{*v};
}

std::string format_money(money m) { return format_fixed(m.minor, 2); }
std::string format_price(price_per_kwh p) { return format_fixed(p.e4, 4); }

}  // namespace pilesim
