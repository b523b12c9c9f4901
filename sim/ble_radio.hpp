// The radio of one BLE connection as pure functions: when its connection events fall, whether one transmission
// at one event gets through (a stateless draw keyed by connection, event, slot and direction), and the first
// instant its supervision timeout drops it. Random access to outcomes lets a link skip idle connection events
// and still agree exactly with what busy ones see. Integer arithmetic only; nothing here schedules, reads a
// clock or keeps state between calls.
#pragma once

#include "sim/time.hpp"

#include <cstdint>

namespace pilesim::sim {

// Connection events of one connection from an anchor on: event i falls at anchor_us + (i - anchor_index) *
// interval_us. A connection parameter update starts a new timeline whose anchor is an event of the old one, so
// event numbers keep rising across updates.
struct ble_timeline {
  time_us anchor_us = 0;
  std::uint64_t anchor_index = 0;
  time_us interval_us = 30'000;

  time_us at(std::uint64_t event) const {
    return anchor_us + static_cast<time_us>(event - anchor_index) * interval_us;
  }
  // The first event at or after `t` (never before the anchor).
  std::uint64_t first_at_or_after(time_us t) const;
  // The last event strictly before `t`; requires t > anchor_us.
  std::uint64_t last_before(time_us t) const { return first_at_or_after(t) - 1; }
};

// Whether one radio transmission gets through: slot 0 is an event's first exchange (both directions at once,
// `from` 0), slot k >= 1 the k-th further packet from side `from`. Independent across every argument.
class ble_radio {
 public:
  // `key` names the link and the run (seed and link name mixed); `connection` numbers its connections.
  ble_radio(std::uint64_t key, std::uint64_t connection) : key_(key), connection_(connection) {}

  bool gets_through(std::uint64_t event, std::uint32_t slot, int from, std::uint32_t loss_ppb) const;

 private:
  std::uint64_t key_;
  std::uint64_t connection_;
};

// What the supervision timer does with the radio as it is now, from the last event known to have got through.
struct supervision_question {
  time_us last_ok_us = 0;           // the last successful event (or the connection's set-up)
  std::uint64_t first_unknown = 0;  // events before it are known (failed unless they are last_ok)
  ble_timeline timeline;            // valid from first_unknown on
  std::uint32_t loss_ppb = 0;
  bool reachable = true;            // false: out of range or the pile has no power, so every event fails
  time_us timeout_us = 4'000'000;
  std::uint64_t horizon_events = std::uint64_t{1} << 20;  // look no further ahead than this
};

struct supervision_answer {
  time_us drop_us = time_max;    // when the connection drops; time_max: not within the horizon
  time_us replan_us = time_max;  // when to ask again (the horizon was reached); time_max: never
};

// The first instant at which no event has got through for `timeout_us`. A skip search: for the window after
// the last success, scan back from its end for a success; none means the drop, one at j moves the window on
// to j. Events already scanned are never probed twice, so the cost is about one probe per window at low loss.
supervision_answer plan_supervision(const ble_radio& radio, const supervision_question& q);

}  // namespace pilesim::sim
