#include "scenarios/engine/values.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

std::string why(const auto& r) { return r ? std::string("(accepted)") : r.error().message; }

}  // namespace

TEST_SUITE("scenarios/values") {
  TEST_CASE("durations table: accepted forms give exact microseconds") {
    struct row {
      const char* text;
      sim::time_us us;
    };
    const row rows[] = {
        {"0s", 0},
        {"250ms", 250'000},
        {"30s", 30'000'000},
        {"15m", 900'000'000},
        {"2h", 7'200'000'000},
        {"1h30m", 5'400'000'000},
        {"2m30s", 150'000'000},
        {"1s500ms", 1'500'000},
        {"1d", 86'400'000'000},
        {"1d2h3m4s5ms6us", 86'400'000'000 + 7'200'000'000 + 180'000'000 + 4'000'000 + 5'000 + 6},
        {"90m", 5'400'000'000},
        {"007s", 7'000'000},
        {"7.5ms", 7'500},  // BLE's shortest connection interval, as SCENARIOS.md writes it
        {"1.5h", 5'400'000'000},
        {"1m30.25s", 90'250'000},
        {"0.000001s", 1},
        {"2.50ms", 2'500},
    };
    for (const auto& r : rows) {
      CAPTURE(r.text);
      auto v = parse_duration_us(r.text);
      REQUIRE(v.has_value());
      CHECK(*v == r.us);
    }
  }

  TEST_CASE("durations table: refused forms say why") {
    struct row {
      const char* text;
      const char* why;
    };
    const row rows[] = {
        {"", "bad duration '': empty"},
        {"1x", "bad duration '1x': unknown unit 'x' (units: d, h, m, s, ms, us)"},
        {"30", "bad duration '30': a number needs a unit, e.g. 30s (units: d, h, m, s, ms, us)"},
        {"0", "bad duration '0': a number needs a unit, e.g. 0s (units: d, h, m, s, ms, us)"},
        {"-5s", "bad duration '-5s': must not be negative"},
        {"1m1h", "bad duration '1m1h': units must go from larger to smaller, each once, e.g. 1h30m"},
        {"1h1h", "bad duration '1h1h': units must go from larger to smaller, each once, e.g. 1h30m"},
        {"1h30", "bad duration '1h30': a number needs a unit, e.g. 1h30s (units: d, h, m, s, ms, us)"},
        {"7.1234ms", "bad duration '7.1234ms': finer than a microsecond"},
        {"1.5us", "bad duration '1.5us': finer than a microsecond"},
        {"0.0000001s", "bad duration '0.0000001s': at most 6 decimal places"},
        {"1.5h30m", "bad duration '1.5h30m': a fraction only in the last part, e.g. 1m30.5s"},
        {"1.s", "bad duration '1.s': expected e.g. 250ms, 30s, 15m, 2h, 1h30m or 1d"},
        {"7.5", "bad duration '7.5': a number needs a unit, e.g. 7.5s (units: d, h, m, s, ms, us)"},
        {"1h 30m", "bad duration '1h 30m': expected e.g. 250ms, 30s, 15m, 2h, 1h30m or 1d"},
        {"h", "bad duration 'h': expected e.g. 250ms, 30s, 15m, 2h, 1h30m or 1d"},
        {"+5s", "bad duration '+5s': expected e.g. 250ms, 30s, 15m, 2h, 1h30m or 1d"},
        {"5S", "bad duration '5S': unknown unit 'S' (units: d, h, m, s, ms, us)"},
        {"99999999999999999999d", "bad duration '99999999999999999999d': too large"},
        {"9999999999d", "bad duration '9999999999d': too large"},
    };
    for (const auto& r : rows) {
      CAPTURE(r.text);
      CHECK(why(parse_duration_us(r.text)) == r.why);
    }
  }

  TEST_CASE("probabilities are exact parts per billion from the decimal text") {
    CHECK(*parse_probability_ppb("0.5") == 500'000'000u);
    CHECK(*parse_probability_ppb("0") == 0u);
    CHECK(*parse_probability_ppb("1") == 1'000'000'000u);
    CHECK(*parse_probability_ppb("1.000000000") == 1'000'000'000u);
    CHECK(*parse_probability_ppb("0.1") == 100'000'000u);  // a double would give 0.1000000000000000055...
    CHECK(*parse_probability_ppb("0.000000001") == 1u);
    CHECK(*parse_probability_ppb("0.333333333") == 333'333'333u);
    CHECK(why(parse_probability_ppb("0.0000000001")) == "bad probability '0.0000000001': at most 9 decimal places");
    CHECK(why(parse_probability_ppb("1.5")) == "bad probability '1.5': must be in [0, 1]");
    CHECK(why(parse_probability_ppb("-0.1")) == "bad probability '-0.1': must be in [0, 1]");
    CHECK(why(parse_probability_ppb("1e-3")) == "bad probability '1e-3': write it without an exponent");
    CHECK(why(parse_probability_ppb("50%")) == "bad probability '50%': expected a number like 0.5");
    CHECK(why(parse_probability_ppb(".5")) == "bad probability '.5': expected a number like 0.5");
  }

  TEST_CASE("kW and kWh decimals become exact W and Wh") {
    auto kw = [](const char* t) { return parse_scaled_decimal(t, 3); };
    CHECK(*kw("7.0") == 7000);
    CHECK(*kw("60") == 60'000);
    CHECK(*kw("7.4") == 7400);
    CHECK(*kw("6.999") == 6999);
    CHECK(why(kw("6.9999")) == "bad number '6.9999': at most 3 decimal places");
    CHECK(why(kw("7.")) == "bad number '7.': expected a number like 7.5");
    CHECK(why(kw("-7")) == "bad number '-7': must not be negative");
    CHECK(why(kw("7kW")) == "bad number '7kW': expected a number like 7.5");
  }

  TEST_CASE("state of charge is parts per million in [0, 1]") {
    CHECK(*parse_fraction_ppm("0.20") == 200'000);
    CHECK(*parse_fraction_ppm("1") == 1'000'000);
    CHECK(why(parse_fraction_ppm("1.01")) == "bad number '1.01': must be in [0, 1]");
    CHECK(why(parse_fraction_ppm("0.1234567")) == "bad number '0.1234567': at most 6 decimal places");
  }

  TEST_CASE("money and prices go through the one money parser and explain refusals") {
    CHECK(parse_amount("12.60")->minor == 1260);
    CHECK(parse_amount("200")->minor == 20000);
    CHECK(why(parse_amount("12.345")) == "bad amount '12.345': at most 2 decimal places");
    CHECK(why(parse_amount("-1.00")) == "bad amount '-1.00': must not be negative");
    CHECK(why(parse_amount("1,00")) == "bad amount '1,00': expected a number like 12.60");
    CHECK(parse_kwh_price("1.0044")->e4 == 10044);
    CHECK(parse_kwh_price("1.2")->e4 == 12000);
    CHECK(why(parse_kwh_price("1.00441")) == "bad price '1.00441': at most 4 decimal places");
  }

  TEST_CASE("counts, seeds and flags") {
    CHECK(*parse_count("64", 1000) == 64);
    CHECK(why(parse_count("1001", 1000)) == "bad count '1001': expected a whole number from 0 to 1000");
    CHECK(why(parse_count("1.5", 1000)) == "bad count '1.5': expected a whole number from 0 to 1000");
    CHECK(why(parse_count("99999999999999999999", 1000)) ==
          "bad count '99999999999999999999': expected a whole number from 0 to 1000");
    CHECK(why(parse_scaled_decimal("9223372036854775807", 0)) == "bad number '9223372036854775807': too large");
    CHECK(*parse_scaled_decimal("9223372036854775806", 0) == 9223372036854775806);
    CHECK(*parse_seed("18446744073709551615") == 18446744073709551615ull);
    CHECK_FALSE(parse_seed("18446744073709551616").has_value());
    CHECK_FALSE(parse_seed("-1").has_value());
    CHECK(*parse_flag("true"));
    CHECK_FALSE(*parse_flag("FALSE"));
    CHECK(why(parse_flag("yes")) == "bad flag 'yes': expected true or false");
  }

  TEST_CASE("ranges split at the first '..' only") {
    auto r = split_range("0.5..0.8");
    REQUIRE(r.has_value());
    CHECK(r->lo == "0.5");
    CHECK(r->hi == "0.8");
    CHECK_FALSE(split_range("0.5"));
    auto open = split_range("10m..");
    REQUIRE(open);
    CHECK(open->hi.empty());
  }
}
