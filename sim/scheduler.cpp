#include "sim/scheduler.hpp"

#include <algorithm>
#include <cassert>

namespace pilesim::sim {

event_handle scheduler::schedule(time_us at, event_fn fn) { return insert(at, seq_++, std::move(fn)); }

event_handle scheduler::schedule_reserved(time_us at, std::uint64_t seq, event_fn fn) {
  assert(seq < seq_ && "an insertion number must be reserved before it is used");
  return insert(at, seq, std::move(fn));
}

event_handle scheduler::insert(time_us at, std::uint64_t seq, event_fn fn) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slot_state& s = slots_[slot];
  s.fn = std::move(fn);
  s.live = true;
  ++live_;
  heap_.push_back({at, seq, slot});
  std::push_heap(heap_.begin(), heap_.end(), later);
  return {slot, s.generation};
}

bool scheduler::cancel(event_handle h) {
  if (!h || h.slot >= slots_.size()) return false;
  slot_state& s = slots_[h.slot];
  if (!s.live || s.generation != h.generation) return false;
  s.live = false;
  s.fn.reset();
  --live_;
  // The heap entry stays until it reaches the top; the slot is freed then, so its number is not reused early.
  // Receive-with-timeout cancels a timer per message, mostly far-off ones, so dead entries would outnumber live
  // ones many times over and deepen every push and pop: past that point, sweep them all out at once.
  if (heap_.size() >= compact_min && heap_.size() - live_ > live_) compact();
  return true;
}

void scheduler::compact() {
  // (time, seq) keys are unique, so the rebuilt heap pops in exactly the same order as the old one would have.
  std::size_t kept = 0;
  for (const entry& e : heap_) {
    if (slots_[e.slot].live) {
      heap_[kept++] = e;
      continue;
    }
    ++slots_[e.slot].generation;
    free_.push_back(e.slot);
  }
  heap_.resize(kept);
  std::make_heap(heap_.begin(), heap_.end(), later);
}

void scheduler::drop_dead_top() {
  while (!heap_.empty() && !slots_[heap_.front().slot].live) {
    std::uint32_t slot = heap_.front().slot;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    ++slots_[slot].generation;
    free_.push_back(slot);
  }
}

bool scheduler::pop(time_us until, time_us& at, event_fn& fn) {
  drop_dead_top();
  if (heap_.empty() || heap_.front().at > until) return false;
  const entry top = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), later);
  heap_.pop_back();
  slot_state& s = slots_[top.slot];
  at = top.at;
  fn = std::move(s.fn);
  s.live = false;
  ++s.generation;
  --live_;
  free_.push_back(top.slot);
  return true;
}

time_us scheduler::next_time() {
  drop_dead_top();
  return heap_.empty() ? time_max : heap_.front().at;
}

}  // namespace pilesim::sim
