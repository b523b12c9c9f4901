#include "sim/ble_radio.hpp"

#include "sim/rng.hpp"

#include <algorithm>

namespace pilesim::sim {
namespace {
__extension__ using u128 = unsigned __int128;

// The splitmix64 finaliser: a bijection whose output bits each depend on every input bit.
constexpr std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t golden = 0x9e3779b97f4a7c15ULL;

}  // namespace

std::uint64_t ble_timeline::first_at_or_after(time_us t) const {
  if (t <= anchor_us) return anchor_index;
  const auto n = static_cast<std::uint64_t>((t - anchor_us + interval_us - 1) / interval_us);
  return anchor_index + n;
}

bool ble_radio::gets_through(std::uint64_t event, std::uint32_t slot, int from, std::uint32_t loss_ppb) const {
  if (loss_ppb == 0) return true;
  if (loss_ppb >= ppb_one) return false;
  std::uint64_t h = mix(key_ ^ mix(connection_ * golden + 1));
  h = mix(h ^ (event * golden));
  h = mix(h + ((static_cast<std::uint64_t>(slot) << 1) | static_cast<std::uint64_t>(from & 1)));
  // Uniform in [0, 1e9) by a 128-bit multiply: the bias is below 1e9 / 2^64, far under one ppb.
  const auto draw = static_cast<std::uint32_t>((static_cast<u128>(h) * ppb_one) >> 64);
  return draw >= loss_ppb;
}

supervision_answer plan_supervision(const ble_radio& radio, const supervision_question& q) {
  const ble_timeline& tl = q.timeline;
  time_us last_ok = q.last_ok_us;
  if (!q.reachable || q.loss_ppb >= ppb_one) return {last_ok + q.timeout_us, time_max};
  std::uint64_t lo = q.first_unknown;  // the first event after the last success
  std::uint64_t failed_to = lo;        // events in [lo, failed_to) were probed and failed
  // Never let the horizon be shorter than a few windows: a replan must always find its way forward.
  const auto window_events = static_cast<std::uint64_t>(q.timeout_us / tl.interval_us) + 1;
  const std::uint64_t limit = q.first_unknown + std::max(q.horizon_events, 4 * window_events);
  for (;;) {
    const time_us window_end = last_ok + q.timeout_us;
    if (tl.at(lo) >= window_end) return {window_end, time_max};
    if (q.loss_ppb == 0) return {};  // event `lo` gets through, and so does every later one
    const std::uint64_t hi = tl.last_before(window_end);
    if (hi >= limit) return {time_max, tl.at(lo)};
    // Probe from the window's end down to the events already known to have failed.
    std::uint64_t j = hi + 1;
    const std::uint64_t stop = std::max(lo, failed_to);
    bool found = false;
    while (j > stop) {
      --j;
      if (radio.gets_through(j, 0, 0, q.loss_ppb)) {
        found = true;
        break;
      }
    }
    if (!found) return {window_end, time_max};
    failed_to = hi + 1;
    last_ok = tl.at(j);
    lo = j + 1;
  }
}

}  // namespace pilesim::sim
