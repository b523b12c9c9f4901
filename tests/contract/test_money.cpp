// Money and prices are exact decimals: text people write parses to integer minor units and prints back the
// same, and anything that is not plainly such a number is refused rather than guessed at.
#include "contract/money.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace pilesim;

TEST_SUITE("contract/money") {
  TEST_CASE("amounts parse to minor units, with zero to two decimals and an optional minus") {
    CHECK(parse_money("12.60").value() == money{1260});
    CHECK(parse_money("12.6").value() == money{1260});
    CHECK(parse_money("12").value() == money{1200});
    CHECK(parse_money("0.05").value() == money{5});
    CHECK(parse_money("-0.05").value() == money{-5});
    CHECK(parse_money("007.00").value() == money{700});
  }

  TEST_CASE("anything else is bad_value, never a guess") {
    for (const char* text : {"", "-", ".", "1.", ".5", "1.234", "1e3", " 1", "1 ", "+1", "1,5", "--1", "1.-5", "0x10"})
      CHECK_MESSAGE(parse_money(text).error() == errc::bad_value, text);
    // The whole part is bounded so that scaling never overflows, for money and prices alike.
    CHECK(parse_money("92233720368.00").has_value());
    CHECK(parse_money("92233720369").error() == errc::bad_value);
    CHECK(parse_money("99999999999999999999").error() == errc::bad_value);
  }

  TEST_CASE("amounts print with exactly two decimals, down to the most negative one") {
    CHECK(format_money(money{1260}) == "12.60");
    CHECK(format_money(money{5}) == "0.05");
    CHECK(format_money(money{-5}) == "-0.05");
    CHECK(format_money(money{0}) == "0.00");
    CHECK(format_money(money{std::numeric_limits<std::int64_t>::min()}) == "-92233720368547758.08");
    CHECK(format_money(money{std::numeric_limits<std::int64_t>::max()}) == "92233720368547758.07");
    for (std::int64_t m : {-100'001, -1, 0, 1, 99, 100, 123'456'789})
      CHECK(parse_money(format_money(money{m})).value() == money{m});
  }

  TEST_CASE("prices per kWh have up to four decimals and are never negative") {
    CHECK(parse_price("1.0044").value() == price_per_kwh{10044});
    CHECK(parse_price("1.2").value() == price_per_kwh{12000});
    CHECK(parse_price("0").value() == price_per_kwh{0});
    CHECK(parse_price("-1").error() == errc::bad_value);
    CHECK(parse_price("1.00441").error() == errc::bad_value);
    CHECK(format_price(price_per_kwh{10044}) == "1.0044");
    CHECK(format_price(price_per_kwh{3000}) == "0.3000");
  }

  TEST_CASE("arithmetic and order are those of the integers") {
    money m{1000};
    m += money{260};
    m -= money{60};
    CHECK(m == money{1200});
    CHECK(money{1} + money{2} == money{3});
    CHECK(money{1} - money{2} == money{-1});
    CHECK(money{-1} < money{0});
    CHECK(price_per_kwh{12000} + price_per_kwh{3000} == price_per_kwh{15000});
  }
}
