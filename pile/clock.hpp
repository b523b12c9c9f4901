// The pile's own real-time clock: what every reading the pile makes is taken from. It starts at the world's
// t = 0 reading `offset_us`, runs `drift_ppm` parts per million fast (negative: slow), and a reset (the RTC
// lost its time with the power) sets it back to the pile's epoch, reading 0, at that instant. Between resets it
// never runs backwards, so a difference of two readings of one power-up is the pile's monotonic timer. Pure
// arithmetic in integer microseconds: it never reads the world's clock itself.
#pragma once

#include "sim/time.hpp"

#include <cassert>
#include <cstdint>

namespace pilesim::pile {

// 128 bits so that a run's microseconds times a drift never overflow (__extension__: a GNU type, said so).
__extension__ typedef __int128 clock_wide;

struct clock_config {
  static constexpr std::int64_t offset_us_max = 24 * sim::hour;  // |offset_us| at most one day
  static constexpr std::int64_t drift_ppm_max = 1000;            // |drift_ppm| at most 1000

  std::int64_t offset_us = 0;  // the reading at the world's t = 0, minus 0
  std::int64_t drift_ppm = 0;  // > 0: runs fast
};

class pile_clock {
 public:
  explicit pile_clock(clock_config c = {}) : drift_ppm_(c.drift_ppm), base_pile_us_(c.offset_us) {
    assert(c.offset_us >= -clock_config::offset_us_max && c.offset_us <= clock_config::offset_us_max &&
           "clock offset out of range");
    assert(c.drift_ppm >= -clock_config::drift_ppm_max && c.drift_ppm <= clock_config::drift_ppm_max &&
           "clock drift out of range");
  }

  // The pile's reading at world time t (t at or after the last reset).
  std::int64_t read(sim::time_us t) const {
    const clock_wide dt = t - base_world_us_;
    return static_cast<std::int64_t>(base_pile_us_ + dt + floor_div(dt * drift_ppm_, 1'000'000));
  }

  // The earliest world time, not before the last reset, at which the reading is at least `pile_us`: when a
  // deadline the firmware set on its own clock falls due. sim::time_max when that is beyond the run's horizon.
  sim::time_us when(std::int64_t pile_us) const {
    if (pile_us <= base_pile_us_) return base_world_us_;
    const clock_wide want = static_cast<clock_wide>(pile_us) - base_pile_us_;
    clock_wide dt = (want * 1'000'000 + (1'000'000 + drift_ppm_) - 1) / (1'000'000 + drift_ppm_);
    if (dt >= sim::time_max - base_world_us_) return sim::time_max;
    auto reading = [&](clock_wide d) { return d + floor_div(d * drift_ppm_, 1'000'000); };
    while (reading(dt) < want) ++dt;
    while (dt > 0 && reading(dt - 1) >= want) --dt;
    return static_cast<sim::time_us>(base_world_us_ + dt);
  }

  // The RTC lost its time: from world time t on it reads 0 + what has run since, at the same rate.
  void reset(sim::time_us t) {
    base_world_us_ = t;
    base_pile_us_ = 0;
  }

  std::int64_t drift_ppm() const { return drift_ppm_; }

 private:
  static clock_wide floor_div(clock_wide a, clock_wide b) {
    const clock_wide q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
  }

  std::int64_t drift_ppm_;
  std::int64_t base_pile_us_;    // the reading at base_world_us_
  sim::time_us base_world_us_ = 0;
};

}  // namespace pilesim::pile
