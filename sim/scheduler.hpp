// The virtual-time event queue: a binary heap keyed by (time, insertion number), so events at the same
// instant run in the order they were scheduled, on every machine. It only orders callbacks; it never runs
// them itself and never reads a clock. Cancelled events are skipped lazily when they reach the top.
#pragma once

#include "sim/callback.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <vector>

namespace pilesim::sim {

struct event_handle {
  std::uint32_t slot = UINT32_MAX;
  std::uint32_t generation = 0;
  explicit operator bool() const { return slot != UINT32_MAX; }
};

class scheduler {
 public:
  using event_fn = callback<void()>;

  event_handle schedule(time_us at, event_fn fn);
  // Drops a pending event; false when it already ran or was cancelled (stale handles are harmless).
  bool cancel(event_handle h);
  // Takes the earliest live event due at or before `until`, if any.
  bool pop(time_us until, time_us& at, event_fn& fn);
  // Time of the earliest live event, or time_max.
  time_us next_time();

  std::size_t pending() const { return live_; }

 private:
  struct entry {
    time_us at;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  struct slot_state {
    event_fn fn;
    std::uint32_t generation = 0;
    bool live = false;
  };
  static bool later(const entry& a, const entry& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
  void drop_dead_top();

  std::vector<entry> heap_;
  std::vector<slot_state> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t seq_ = 0;
  std::size_t live_ = 0;
};

}  // namespace pilesim::sim
