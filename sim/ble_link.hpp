// The Bluetooth Low Energy link between one phone (side 0, the central) and one pile (side 1, peripheral).
// On top of a link: a connection that exists only while the phone is in range, set up by the phone; an MTU
// (a packet payload is at most MTU-3 bytes: bigger messages are fragmented by the protocol above); arrivals
// quantised to connection events; and a supervision timeout that turns a dead link into a disconnect.
#pragma once

#include "sim/link.hpp"

namespace pilesim::sim {

struct ble_params {
  std::size_t mtu = 23;                         // ATT MTU; packet payload <= mtu - 3
  time_us conn_interval_us = 30 * msec;         // arrivals happen on connection events
  time_us supervision_timeout_us = 2 * sec;     // a link dead this long is dropped by both sides
  time_us connect_delay_min_us = 50 * msec;     // advertising + connection set-up
  time_us connect_delay_max_us = 250 * msec;
};

class ble_link final : public link {
 public:
  static constexpr int phone = 0;
  static constexpr int pile = 1;

  ble_link(kernel& k, std::string name, link_model model, ble_params params);

  std::size_t mtu() const { return params_.mtu; }
  void set_mtu(std::size_t mtu) { params_.mtu = mtu; }
  std::size_t payload_max() const { return params_.mtu - 3; }

  // errc::too_large for a packet above MTU-3, errc::disconnected without a connection.
  result<void> send(int side, bytes packet);

  // The phone walks into or out of range. Out of range, nothing gets through, and a connection is dropped
  // after the supervision timeout.
  void set_in_range(bool in_range);
  bool in_range() const { return in_range_; }

  // The phone asks to connect. Both sides get `connected` after the set-up delay if the pile can be reached
  // then; otherwise the phone gets `disconnected` (the attempt failed). A no-op while connected or connecting.
  void connect();
  bool connecting() const { return static_cast<bool>(connect_event_); }

  void set_model(const link_model& m) override;
  void disconnect(std::string_view reason) override;

 protected:
  time_us arrival_time(time_us t) const override;
  bool carries() const override;

 private:
  void check_supervision();
  bool usable() const;

  ble_params params_;
  bool in_range_ = false;
  time_us anchor_us_ = 0;       // start of the current connection: connection events fall on anchor + k*interval
  event_handle connect_event_;
  event_handle supervision_event_;
};

}  // namespace pilesim::sim
