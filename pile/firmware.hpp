// The pile's firmware as a pure state machine: requests, cable and power events in, replies, deadlines and
// notifications out, with the pile's own clock (pile/clock.hpp) passed in as now_us; it never runs backwards
// within one power-up, and may jump anywhere at power_on (a reset RTC). It never does I/O, never reads a clock, never
// draws randomness, and never delivers energy past a session's cap; an actor around it moves the bytes.
// Anything a deadline would have done before `now_us` is done first, at the deadline's own instant, by every
// entry point, so results do not depend on when the actor calls on_deadline().
#pragma once

#include "pile/charge_model.hpp"
#include "pile/nv_store.hpp"
#include "pile/protocol/messages.hpp"
#include "pile/vehicle.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace pilesim::pile {

struct firmware_config {
  std::string pile_id;                                      // at most pile_id_len_max bytes
  std::int64_t power_w = 7000;                              // maximum output
  key32 key{};                                              // shared with the server only
  std::size_t bill_store = nv_store::bill_store_default;    // bills kept before new sessions are refused
  std::int64_t plug_wait_us = 10LL * 60 * 1'000'000;        // an accepted session with no cable ends after this
  // The pile's timer may run up to this much slow (pile/clock.hpp's bound): every authorization's ttl is
  // shortened by as much, so that the pile never accepts one later than the server holds its money.
  std::int64_t drift_allowance_ppm = 1000;
};

// Diagnostics for reports and invariant checks. Not part of the modelled NV memory, yet kept across reboots
// because they describe the whole run, not the pile's RAM.
struct firmware_counters {
  static constexpr std::size_t status_count = static_cast<std::size_t>(protocol::status::faulted) + 1;

  std::array<std::uint64_t, status_count> refused_by_status{};  // every non-ok reply, by status
  std::uint64_t starts_refused = 0;     // start requests answered with anything but ok
  std::uint64_t starts_repeated = 0;    // repeats of an accepted authorization, answered again without acting
  std::uint64_t receipts_refused = 0;   // bad_mac or wrong_pile receipts (unknown_bill is a harmless repeat)
  std::uint64_t stops_refused = 0;
  std::uint64_t sessions_started = 0;
  std::uint64_t sessions_ended = 0;
  std::uint64_t receipts_accepted = 0;
  std::uint64_t not_requests = 0;       // frames of a reply or notification type sent to the pile

  std::uint64_t refused(protocol::status s) const { return refused_by_status[static_cast<std::size_t>(s)]; }
};

class firmware {
 public:
  explicit firmware(firmware_config config);

  // RAM keeps the last challenges_kept challenges issued in hello replies; a start authorization is accepted only
  // for one of them, used once, within its ttl of the challenge's issue on this clock.
  static constexpr std::size_t challenges_kept = 32;

  // Answers one request (hello, start, stop, bill, receipt). A message that is not a request, or any request
  // while the power is off, is answered with a hello_reply (state faulted when off) and changes nothing.
  protocol::message handle(const protocol::message& request, std::int64_t now_us);

  // The cable. One connector: plugging while a vehicle is plugged is ignored. An accepted session waiting
  // for the cable starts charging at once. unplug() ends a charging session (reason unplug) and hands the
  // vehicle back with the energy it received; nullopt when nothing was plugged.
  void plug(vehicle v, std::int64_t now_us);
  std::optional<vehicle> unplug(std::int64_t now_us);

  // Power loss: the meter register is written up to now_us and RAM is lost. At power_on an open session is
  // closed with reason power_loss from the meter register; its bill is stamped with the meter's last write.
  void power_off(std::int64_t now_us);
  void power_on(std::int64_t now_us);

  // An internal fault (contactor, meter): ends an open session with reason fault; starts are refused with
  // status faulted until clear_fault() or a reboot.
  void fault(std::int64_t now_us);
  void clear_fault(std::int64_t now_us);

  // The next instant something happens by itself: cap or full while charging, the end of the plug wait while
  // authorized. on_deadline(now) does everything due at or before now.
  std::optional<std::int64_t> next_deadline() const { return deadline_us_; }
  void on_deadline(std::int64_t now_us) { catch_up(now_us); }

  // session_ended notifications emitted since the last call, oldest first (lost at power off, like RAM).
  std::vector<protocol::session_ended> take_notifications();

  protocol::pile_state state() const;
  bool powered() const { return powered_; }
  bool plugged() const { return vehicle_.has_value(); }
  // The meter register as it reads at now_us (never past a due cap, even before on_deadline runs).
  std::int64_t meter_mwh(std::int64_t now_us) const;
  std::int64_t meter_wh(std::int64_t now_us) const { return meter_mwh(now_us) / 1000; }
  std::size_t pending_bills() const { return nv_.pending_bills(); }
  std::uint64_t active_session() const;
  const firmware_counters& counters() const { return counters_; }
  const nv_store& nv() const { return nv_; }
  const firmware_config& config() const { return config_; }

 private:
  enum class deadline_kind : std::uint8_t { cap, full, plug_wait };

  // One stretch of energy flowing into the plugged vehicle, from its start to a stop.
  struct charging_run {
    charge_model model;
    std::int64_t base_mwh;           // meter register when the run began
    std::int64_t cap_delivered_mwh;  // delivered energy at which the cap is reached; -1: no money cap
  };

  struct issued_challenge {
    challenge nonce{};
    std::int64_t issued_at_us = 0;
  };

  protocol::message on_hello(std::int64_t now_us, bool with_challenge);
  // Whether `c` is a challenge this pile issued in this power-up and ttl_us has not run out since; takes it.
  protocol::status take_challenge(const challenge& c, std::int64_t ttl_us, std::int64_t now_us);
  protocol::message on_start(const protocol::start_request& req, std::int64_t now_us);
  protocol::message on_stop(const protocol::stop_request& req, std::int64_t now_us);
  protocol::message on_bill();
  protocol::message on_receipt(const protocol::receipt_request& req);

  protocol::start_reply accepted_reply(const session_record& r) const;
  protocol::status refuse(protocol::status s);

  void catch_up(std::int64_t now_us);
  void begin_run(std::int64_t now_us);
  void stop_run(std::int64_t at_us, stop_reason reason);
  void end_session(stop_reason reason, std::int64_t at_us);
  void refresh_deadline();
  std::int64_t run_delivered_mwh(std::int64_t t_us) const;

  firmware_config config_;
  nv_store nv_;
  firmware_counters counters_;
  std::optional<vehicle> vehicle_;  // physical: survives power loss
  bool powered_ = true;

  // RAM: lost at power off.
  bool faulted_ = false;
  std::optional<charging_run> run_;
  std::optional<std::int64_t> deadline_us_;
  deadline_kind deadline_kind_ = deadline_kind::cap;
  std::vector<protocol::session_ended> notifications_;
  std::deque<issued_challenge> challenges_;  // oldest first, at most challenges_kept
  std::uint64_t challenge_seq_ = 0;          // challenges issued in this power-up
};

}  // namespace pilesim::pile
