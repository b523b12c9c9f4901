// The pile's own clock: offset, drift, reset, and the way back from a reading to the world's time that deadlines
// are woken at.
#include "pile/clock.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

using namespace pilesim;
using namespace pilesim::pile;

namespace {

constexpr std::int64_t sec = 1'000'000;
constexpr std::int64_t hour = 3600 * sec;
constexpr std::int64_t day = 24 * hour;

}  // namespace

TEST_SUITE("pile/clock") {
  TEST_CASE("reads the world's time without offset or drift") {
    const pile_clock c;
    CHECK(c.read(0) == 0);
    CHECK(c.read(12345) == 12345);
    CHECK(c.when(12345) == 12345);
  }

  TEST_CASE("an offset shifts every reading, ahead or behind") {
    const pile_clock fast(clock_config{.offset_us = 6 * hour});
    CHECK(fast.read(0) == 6 * hour);
    CHECK(fast.read(hour) == 7 * hour);
    const pile_clock slow(clock_config{.offset_us = -day});
    CHECK(slow.read(0) == -day);
    CHECK(slow.read(2 * day) == day);
    CHECK(slow.when(0) == day);
  }

  TEST_CASE("drift runs the clock fast or slow by parts per million, rounding down") {
    const pile_clock fast(clock_config{.drift_ppm = 1000});
    CHECK(fast.read(1000 * sec) == 1001 * sec);
    CHECK(fast.read(999) == 999);  // 0.999 us of drift is not yet a microsecond
    CHECK(fast.read(1000) == 1001);
    const pile_clock slow(clock_config{.offset_us = hour, .drift_ppm = -1000});
    CHECK(slow.read(1000 * sec) == hour + 999 * sec);
    CHECK(slow.read(1) == hour);  // -0.001 us rounds down
  }

  TEST_CASE("when() is the earliest world time whose reading reaches the value") {
    const std::array<std::int64_t, 7> drifts{-1000, -999, -1, 0, 1, 333, 1000};
    const std::array<std::int64_t, 5> offsets{-day, -7 * sec, 0, 5, day};
    const std::array<std::int64_t, 5> instants{0, 1, 999, 3 * sec + 17, 40 * day + 3};
    for (std::int64_t drift : drifts)
      for (std::int64_t offset : offsets) {
        const pile_clock c(clock_config{.offset_us = offset, .drift_ppm = drift});
        for (std::int64_t t : instants) {
          const std::int64_t reading = c.read(t);
          const std::int64_t w = c.when(reading);
          CHECK(c.read(w) >= reading);
          CHECK(w <= t);
          if (w > 0) CHECK(c.read(w - 1) < reading);
        }
        // A reading before the clock's start is due at once.
        CHECK(c.when(offset - hour) == 0);
        CHECK(c.when(INT64_MAX / 2) == sim::time_max);
      }
  }

  TEST_CASE("a reset starts again from the epoch at the reset, at the same rate, and never before it") {
    pile_clock c(clock_config{.offset_us = 6 * hour, .drift_ppm = 500});
    CHECK(c.read(hour) == 7 * hour + 1'800'000);
    c.reset(2 * hour);
    CHECK(c.read(2 * hour) == 0);
    CHECK(c.read(2 * hour + 1000 * sec) == 1000 * sec + 500'000);
    CHECK(c.when(0) == 2 * hour);
    CHECK(c.when(-day) == 2 * hour);  // a deadline from before the reset is due at once
    CHECK(c.read(c.when(10 * sec)) >= 10 * sec);
  }
}
