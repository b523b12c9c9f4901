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
  ++stats_.sent;
  const int to = 1 - side;
  if (!carries()) {
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
  time_us when = arrival_time(k_.now() + delay);
  // Links are FIFO (BLE and TCP both are) unless a reorder draw lets this frame overtake earlier ones.
  if (rng_.bernoulli(model_.reorder_ppb)) {
    if (when < last_arrival_[to]) {
      ++stats_.reordered;
      trace("reorder", {{"to", to}, {"bytes", frame.size()}});
    }
  } else {
    when = std::max(when, last_arrival_[to]);
    last_arrival_[to] = when;
  }
  k_.at(when, [this, to, epoch = epoch_, f = std::move(frame)]() mutable {
    if (epoch != epoch_ || !connected_) {
      ++stats_.dropped;
      trace("drop", {{"to", to}, {"bytes", f.size()}, {"why", "disconnected"}});
      return;
    }
    ++stats_.delivered;
    if (sinks_[to]) sinks_[to](link_event{link_event::kind::frame, std::move(f)});
  });
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
