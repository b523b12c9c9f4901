#include "sim/ble_link.hpp"

namespace pilesim::sim {

ble_link::ble_link(kernel& k, std::string name, link_model model, ble_params params)
    : link(k, std::move(name), model), params_(params) {
  set_connected(false);
}

result<void> ble_link::send(int side, bytes packet) {
  if (packet.size() > payload_max()) {
    trace("refuse", {{"from", side}, {"bytes", packet.size()}, {"why", "above mtu-3"}});
    return errc::too_large;
  }
  return link::send(side, std::move(packet));
}

bool ble_link::carries() const { return in_range_ && !model().down; }

bool ble_link::usable() const { return carries() && model().loss_ppb < ppb_one; }

time_us ble_link::arrival_time(time_us t) const {
  const time_us interval = params_.conn_interval_us;
  if (interval <= 0 || t <= anchor_us_) return t;
  const time_us events = (t - anchor_us_ + interval - 1) / interval;
  return anchor_us_ + events * interval;
}

void ble_link::set_in_range(bool in_range) {
  if (in_range_ == in_range) return;
  in_range_ = in_range;
  trace(in_range ? "in_range" : "out_of_range", {});
  check_supervision();
}

void ble_link::set_model(const link_model& m) {
  link::set_model(m);
  check_supervision();
}

void ble_link::connect() {
  if (connected() || connect_event_) return;
  time_us delay = static_cast<time_us>(rng_.uniform(static_cast<std::uint64_t>(params_.connect_delay_min_us),
                                                    static_cast<std::uint64_t>(params_.connect_delay_max_us)));
  trace("connecting", {{"delay_us", delay}});
  connect_event_ = k_.after(delay, [this] {
    connect_event_ = {};
    if (!usable()) {
      trace("connect_failed", {});
      notify(phone, link_event::kind::disconnected);
      return;
    }
    set_connected(true);
    anchor_us_ = k_.now();
    trace("connected", {});
    notify(phone, link_event::kind::connected);
    notify(pile, link_event::kind::connected);
  });
}

void ble_link::disconnect(std::string_view reason) {
  if (supervision_event_) k_.cancel(supervision_event_);
  supervision_event_ = {};
  link::disconnect(reason);
}

void ble_link::check_supervision() {
  if (connected() && !usable()) {
    if (supervision_event_) return;
    supervision_event_ = k_.after(params_.supervision_timeout_us, [this] {
      supervision_event_ = {};
      if (connected() && !usable()) disconnect("supervision timeout");
    });
  } else if (supervision_event_) {
    k_.cancel(supervision_event_);
    supervision_event_ = {};
  }
}

}  // namespace pilesim::sim
