#include "sim/link.hpp"

#include <algorithm>

namespace pilesim::sim {

link::link(kernel& k, std::string name, link_model model)
    : k_(k), rng_(k.stream("link/" + name)), name_(std::move(name)), model_(model) {}

void link::trace(std::string_view kind, std::initializer_list<field> fields) {
  k_.trace().event(k_.now(), name_, kind, fields);
}

void link::notify(int side, link_event::kind what) {
  if (sinks_[side]) sinks_[side](link_event{what, {}});
}

result<void> link::send(int side, bytes frame) {
  if (!connected_) return errc::disconnected;
  if (hook_) hook_(k_.now(), side, frame);
  ++stats_.sent;
  const int to = 1 - side;
  if (model_.down) {
    ++stats_.dropped;
    trace("drop", {{"from", side}, {"bytes", frame.size()}, {"why", "down"}});
    return {};
  }
  if (rng_.bernoulli(model_.loss_ppb)) {
    ++stats_.dropped;
    trace("drop", {{"from", side}, {"bytes", frame.size()}, {"why", "loss"}});
    return {};
  }
  if (rng_.bernoulli(model_.duplicate_ppb)) {
    ++stats_.duplicated;
    trace("dup", {{"from", side}, {"bytes", frame.size()}});
    schedule_delivery(to, frame);
  }
  schedule_delivery(to, std::move(frame));
  return {};
}

void link::schedule_delivery(int to, bytes frame) {
  time_us delay = static_cast<time_us>(rng_.uniform(static_cast<std::uint64_t>(model_.delay_min_us),
                                                    static_cast<std::uint64_t>(model_.delay_max_us)));
  time_us when = k_.now() + delay;
  // Links are FIFO (BLE and TCP both are) unless a reorder draw lets this frame overtake earlier ones.
  if (rng_.bernoulli(model_.reorder_ppb)) {
    if (when < last_arrival_[to]) {
      ++stats_.reordered;
      trace("reorder", {{"to", to}, {"bytes", frame.size()}});
    }
    k_.at(when, [this, to, epoch = epoch_, f = std::move(frame)]() mutable { deliver(to, epoch, f); });
    return;
  }
  when = std::max(when, last_arrival_[to]);
  last_arrival_[to] = when;
  std::deque<batch>& pending = batches_[to];
  in_order_[to].push_back(std::move(frame));
  if (!pending.empty()) {
    batch& last = pending.back();
    if (last.when == when && last.epoch == epoch_ && last.order + 1 == k_.next_order()) {
      ++last.frames;
      return;
    }
  }
  pending.push_back({when, k_.next_order(), epoch_, 1});
  k_.at(when, [this, to] { deliver_batch(to); });
}

void link::deliver_batch(int to) {
  // In-order events run in the order they were scheduled, so this event's batch is the oldest one.
  const batch b = batches_[to].front();
  batches_[to].pop_front();
  for (std::uint32_t i = 0; i < b.frames; ++i) {
    bytes f = std::move(in_order_[to].front());
    in_order_[to].pop_front();
    deliver(to, b.epoch, f);
  }
}

void link::deliver(int to, std::uint64_t epoch, bytes& f) {
  if (epoch != epoch_ || !connected_) {
    ++stats_.dropped;
    trace("drop", {{"to", to}, {"bytes", f.size()}, {"why", "disconnected"}});
    return;
  }
  ++stats_.delivered;
  if (sinks_[to]) sinks_[to](link_event{link_event::kind::frame, std::move(f)});
}

void link::disconnect(std::string_view reason) {
  if (!connected_) return;
  connected_ = false;
  ++epoch_;
  ++stats_.disconnects;
  last_arrival_ = {0, 0};
  trace("disconnect", {{"why", reason}});
  notify(0, link_event::kind::disconnected);
  notify(1, link_event::kind::disconnected);
}

}  // namespace pilesim::sim
