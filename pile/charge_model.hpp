// The energy that flows from the pile into one vehicle during one charging run, in exact integers (mWh, W, us).
// P = min(pile power, on-board charger, battery acceptance at the state of charge); the battery accepts 1C
// (its capacity in Wh, as W) below 80 % SoC, then in 1 % bands falling linearly to 0.05C at 99 %, and 0 when full.
// Every answer is a pure function of the anchor (start instant, stored energy): no ticking, no clock, so results
// never depend on how often anyone asks. It must never round energy up: delivered energy is floored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace pilesim::pile {

class charge_model {
 public:
  static constexpr std::int64_t us_mwh_per_w = 3'600'000;  // 1 W for 3.6e6 us delivers 1 mWh
  static constexpr int taper_start_percent = 80;
  static constexpr std::int64_t power_w_max = 3'600'000 - 1;  // keeps a step below 1 mWh per us: caps land exactly
  static constexpr std::int64_t battery_wh_max = 10'000'000;  // 10 MWh: keeps every product inside int64

  // One run from `start_us` with `stored_mwh` in a battery of `battery_wh` (stored is clamped to [0, capacity]).
  charge_model(std::int64_t pile_power_w, std::int64_t battery_wh, std::int64_t stored_mwh, std::int64_t max_ac_w,
               std::int64_t start_us);

  // Moves the model's "now" forward (never back) and caches what was delivered by then.
  void advance(std::int64_t now_us);
  std::int64_t now_us() const { return now_us_; }
  std::int64_t delivered_mwh() const { return delivered_mwh_; }
  std::int64_t stored_mwh() const { return stored0_mwh_ + delivered_mwh_; }
  std::int64_t power_w() const { return power_w_at(now_us_); }

  // Pure queries at any instant (before the start: nothing delivered).
  std::int64_t delivered_mwh_at(std::int64_t t_us) const;
  std::int64_t power_w_at(std::int64_t t_us) const;

  // The earliest instant at which delivered_mwh_at(t) >= total_mwh; nullopt when the battery is full (or the
  // power is zero) before that. Exact inverse: delivered_mwh_at(result - 1) < total_mwh when result > start.
  std::optional<std::int64_t> time_delivered(std::int64_t total_mwh) const;
  // The earliest instant at which `mwh_more` beyond what was delivered at `now_us` has been delivered.
  std::optional<std::int64_t> time_to_deliver(std::int64_t mwh_more, std::int64_t now_us) const;
  // The instant the battery reaches 100 %; nullopt when it never does (zero power).
  std::optional<std::int64_t> time_full() const { return full_at_us_; }

  std::int64_t start_us() const { return start_us_; }
  std::int64_t capacity_mwh() const { return capacity_mwh_; }
  std::int64_t stored_at_start_mwh() const { return stored0_mwh_; }

  // Battery acceptance in band `percent` (0..99: SoC in [percent %, percent+1 %)); 0 at 100 and above.
  static std::int64_t acceptance_w(std::int64_t battery_wh, int percent);

 private:
  // A stretch of constant power: from `begin_us`, `energy_mwh` more at `power_w`, lasting `duration_us`
  // (ceil, so that the stretch's energy is reached exactly at its end). Power 0 means it never ends.
  struct segment {
    std::int64_t begin_us = 0;
    std::int64_t duration_us = 0;
    std::int64_t delivered_before_mwh = 0;
    std::int64_t energy_mwh = 0;
    std::int64_t power_w = 0;
  };
  // The bulk band below 80 % plus one band per percent from 80 to 99.
  static constexpr std::size_t segments_max = 1 + (100 - taper_start_percent);

  const segment* segment_at(std::int64_t t_us) const;

  std::int64_t start_us_;
  std::int64_t capacity_mwh_;
  std::int64_t stored0_mwh_;
  std::array<segment, segments_max> segments_{};
  std::size_t segment_count_ = 0;
  std::optional<std::int64_t> full_at_us_;
  std::int64_t now_us_;
  std::int64_t delivered_mwh_ = 0;
};

}  // namespace pilesim::pile
