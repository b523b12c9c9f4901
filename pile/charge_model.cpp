#include "pile/charge_model.hpp"

#include <algorithm>
#include <cassert>

namespace pilesim::pile {
namespace {

constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Boundary of SoC band `percent` in stored mWh.
constexpr std::int64_t band_floor_mwh(std::int64_t capacity_mwh, int percent) { return capacity_mwh * percent / 100; }

}  // namespace

std::int64_t charge_model::acceptance_w(std::int64_t battery_wh, int percent) {
  if (percent >= 100) return 0;
  if (percent < taper_start_percent) return battery_wh;
  // 80 % -> 20/20 of 1C, 99 % -> 1/20: a linear fall in steps; at least 1 W so that a tiny battery still fills.
  return std::max<std::int64_t>(1, battery_wh * (100 - percent) / (100 - taper_start_percent));
}

charge_model::charge_model(std::int64_t pile_power_w, std::int64_t battery_wh, std::int64_t stored_mwh,
                           std::int64_t max_ac_w, std::int64_t start_us)
    : start_us_(start_us), capacity_mwh_(battery_wh * 1000), now_us_(start_us) {
  assert(battery_wh >= 1 && battery_wh <= battery_wh_max && "battery size out of the model's range");
  assert(pile_power_w >= 0 && pile_power_w <= power_w_max && "pile power out of the model's range");
  assert(max_ac_w >= 0 && "negative on-board charger limit");
  stored0_mwh_ = std::clamp<std::int64_t>(stored_mwh, 0, capacity_mwh_);
  const std::int64_t supply_w = std::min(pile_power_w, std::max<std::int64_t>(0, max_ac_w));

  // Walk the bands once, here, so that every later question is a lookup in at most 21 stretches.
  std::int64_t s = stored0_mwh_;
  std::int64_t t = start_us;
  std::int64_t delivered = 0;
  while (s < capacity_mwh_) {
    const std::int64_t bulk_end = band_floor_mwh(capacity_mwh_, taper_start_percent);
    int percent = 0;
    std::int64_t end = bulk_end;
    if (s >= bulk_end) {
      // The largest band whose floor is at or below s: capacity*p/100 <= s  <=>  capacity*p <= 100*s + 99.
      percent = static_cast<int>(std::min<std::int64_t>(99, (100 * s + 99) / capacity_mwh_));
      end = band_floor_mwh(capacity_mwh_, percent + 1);
    }
    segment& g = segments_[segment_count_++];
    g.begin_us = t;
    g.delivered_before_mwh = delivered;
    g.energy_mwh = end - s;
    g.power_w = std::min(supply_w, acceptance_w(battery_wh, percent));
    if (g.power_w == 0) return;  // stalls here for ever: never full
    g.duration_us = ceil_div(g.energy_mwh * us_mwh_per_w, g.power_w);
    t += g.duration_us;
    delivered += g.energy_mwh;
    s = end;
  }
  full_at_us_ = t;
}

const charge_model::segment* charge_model::segment_at(std::int64_t t_us) const {
  for (std::size_t i = 0; i < segment_count_; ++i) {
    const segment& g = segments_[i];
    if (g.power_w == 0 || t_us - g.begin_us < g.duration_us) return &g;
  }
  return nullptr;  // past the last stretch: full
}

std::int64_t charge_model::delivered_mwh_at(std::int64_t t_us) const {
  if (t_us <= start_us_) return 0;
  const segment* g = segment_at(t_us);
  if (g == nullptr) return capacity_mwh_ - stored0_mwh_;
  // Inside a stretch the product stays below energy * 3.6e6 + power: no overflow, and the floor is < energy.
  return g->delivered_before_mwh + g->power_w * (t_us - g->begin_us) / us_mwh_per_w;
}

std::int64_t charge_model::power_w_at(std::int64_t t_us) const {
  const segment* g = segment_at(std::max(t_us, start_us_));
  return g == nullptr ? 0 : g->power_w;
}

void charge_model::advance(std::int64_t now_us) {
  assert(now_us >= now_us_ && "a charge model never goes back in time");
  now_us_ = now_us;
  delivered_mwh_ = delivered_mwh_at(now_us);
}

std::optional<std::int64_t> charge_model::time_delivered(std::int64_t total_mwh) const {
  if (total_mwh <= 0) return start_us_;
  for (std::size_t i = 0; i < segment_count_; ++i) {
    const segment& g = segments_[i];
    if (g.power_w == 0) return std::nullopt;
    const std::int64_t missing = total_mwh - g.delivered_before_mwh;
    if (missing <= g.energy_mwh) return g.begin_us + ceil_div(missing * us_mwh_per_w, g.power_w);
  }
  return std::nullopt;
}

std::optional<std::int64_t> charge_model::time_to_deliver(std::int64_t mwh_more, std::int64_t now_us) const {
  if (mwh_more <= 0) return std::max(now_us, start_us_);
  auto t = time_delivered(delivered_mwh_at(now_us) + mwh_more);
  if (!t) return std::nullopt;
  return std::max(*t, now_us);
}

}  // namespace pilesim::pile
