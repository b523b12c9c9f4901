// The pile as an actor on the kernel: it moves BLE packets between the phones' links and the pure firmware,
// wakes at the firmware's deadlines so caps and full batteries stop at their exact instant, and carries out
// the world's physical acts (cable, power). It adds no policy of its own: every decision is the firmware's.
// A repeated request on one connection is answered from a cached reply, so the firmware acts on it once.
// A session_ended goes to every connected phone as an indication: repeated on that connection, with a widening
// gap, until the phone confirms it (the link delivers what it acknowledges, but the phone's stack may still lose
// or break a packet; a phone that never hears its session end would never fetch the bill). It is not repeated
// while the link still holds the last copy: that one is on its way. A connection that drops forgets its
// indications: the next hello tells the state anyway. The firmware reads only the pile's own clock
// (pile/clock.hpp); the actor turns the firmware's deadlines on that clock into world time to wake at them.
#pragma once

#include "pile/clock.hpp"
#include "pile/firmware.hpp"
#include "pile/protocol/fragment.hpp"
#include "pile/protocol/messages.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"
#include "sim/mailbox.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pilesim::pile {

// One session as this pile's meter saw it, kept for invariant checks (an observer's record, not the bounded NV
// store): the energy is final once the session has ended, and "so far" while it is still open.
struct metered_session {
  std::uint64_t session_id = 0;
  std::int64_t energy_wh = 0;
  std::int64_t cap_wh = -1;      // energy_cap_wh(frozen, rate); -1: no money cap
  std::uint64_t starts = 0;      // how often the firmware acted on a start for it (1 unless a bug)
  bool ended = false;
  // World time (the observer's, not the pile's clock): when the authorization was accepted, and when the
  // session ended (for a power loss, when the power went); -1 while open.
  std::int64_t started_at_us = 0;
  std::int64_t ended_at_us = -1;
};

struct pile_actor_stats {
  std::uint64_t requests = 0;       // whole request frames handed to the firmware
  std::uint64_t repeats = 0;        // requests answered from the per-connection cache
  std::uint64_t malformed = 0;      // frames that did not decode
  std::uint64_t notifications = 0;  // session_ended indications queued (one per connected phone)
  std::uint64_t indication_resends = 0;  // session_ended frames sent again for want of a confirmation
  std::uint64_t confirmations = 0;  // session_ended_confirm frames that matched the indication in flight
  std::uint64_t inbox_drops = 0;
};

class pile_actor {
 public:
  static constexpr std::size_t inbox_capacity = 256;
  // An unconfirmed indication is sent again after indication_retry_us, the gap doubling up to
  // indication_retry_max_us, for as long as the connection lasts.
  static constexpr sim::time_us indication_retry_us = 2 * sim::sec;
  static constexpr sim::time_us indication_retry_max_us = 30 * sim::sec;
  static constexpr std::size_t indications_max = 8;  // per connection; one more is dropped (and traced)

  pile_actor(sim::kernel& k, firmware_config cfg, clock_config clock = {});
  pile_actor(const pile_actor&) = delete;
  pile_actor& operator=(const pile_actor&) = delete;

  // A phone's link to this pile; the pile is side sim::ble_link::pile. The link must stay until detach().
  // A link made while the pile has no power starts with a dead radio.
  void attach(sim::ble_link& link);
  // Whether the pile holds nothing for `link`: no connection it knows of and no indication waiting.
  bool idle_on(const sim::ble_link& link) const;
  // Forgets `link` (about to be destroyed): events of it still queued are dropped. No-op for an unknown link.
  void detach(const sim::ble_link& link);
  // Links attached and not detached.
  std::size_t live_links() const { return live_.size(); }
  // Spawns the actor "pile/<id>".
  void start();

  // Physical acts, called by the world from its events (never from inside an actor).
  void plug(vehicle v);
  std::optional<vehicle> unplug();
  // Power loss: the firmware loses RAM and the radio of every link to this pile goes dead, so connected phones
  // are dropped by the supervision timeout. power_on() brings the radio back.
  void power_off();
  // reset_clock: the RTC lost its time with the power and starts again from the pile's epoch.
  void power_on(bool reset_clock = false);
  // The pile's clock now.
  std::int64_t pile_now() const { return clock_.read(k_.now()); }

  firmware& fw() { return fw_; }
  const firmware& fw() const { return fw_; }
  const std::string& id() const { return fw_.config().pile_id; }
  const pile_actor_stats& stats() const { return stats_; }
  // Every session this pile accepted, in the order it accepted them.
  std::vector<metered_session> metered() const;

 private:
  struct indication {
    std::uint16_t seq = 0;
    std::uint64_t session_id = 0;
    bytes wire;
    sim::time_us resend_at_us = 0;
    sim::time_us gap_us = 0;
    int sent = 0;
    std::uint64_t handed_up_to = 0;  // the link's handed() count after its last copy was sent
  };
  struct link_state {
    sim::ble_link* link = nullptr;
    protocol::reassembler reassembly{protocol::frame_len_max};
    protocol::fragmenter fragmenter;        // tags the frames this pile sends on this link
    std::optional<std::uint16_t> last_seq;  // of the last request answered on this connection
    bytes last_reply;                       // its encoded reply, sent again for a repeat
    std::vector<indication> indications;    // unconfirmed, oldest first (at most indications_max); only the front one is in flight
    bool connected = false;
  };
  struct inbound {
    std::size_t link = wake;
    sim::link_event event;
  };
  static constexpr std::size_t wake = SIZE_MAX;  // not a link: re-read the deadline

  static sim::asio::awaitable<void> run(pile_actor& self);
  void on_link_event(std::size_t index, sim::link_event& e);
  void on_packet(link_state& ls, const bytes& packet);
  void on_confirm(link_state& ls, std::uint16_t seq, const protocol::session_ended_confirm& c);
  void send_indication(link_state& ls);
  // The earliest instant the actor must act without input: a firmware deadline or an indication to send again.
  sim::time_us next_deadline() const;
  void on_deadline();
  void forget_connection(link_state& ls);
  void answer(link_state& ls, std::uint16_t seq, const protocol::message& request);
  void send_frame(link_state& ls, const bytes& wire);
  // Everything that must follow any input: notifications out, state changes traced, the meter observed.
  void after_input();
  void observe_sessions();
  void poke();
  void trace(std::string_view kind, std::initializer_list<sim::field> fields = {});

  link_state* slot_of(const sim::ble_link& link) const;

  sim::kernel& k_;
  firmware fw_;
  pile_clock clock_;
  sim::time_us powered_off_at_us_ = 0;  // world time of the last power loss
  std::string actor_;
  // Every link ever attached, by the index its events carry; a detached one is null, so a late event of it is
  // dropped. live_ holds the attached ones' indices in attach order: the pile only ever walks those.
  std::vector<std::unique_ptr<link_state>> slots_;
  std::vector<std::size_t> live_;
  sim::mailbox<inbound> inbox_;
  std::uint16_t notification_seq_ = 0;
  protocol::pile_state last_state_ = protocol::pile_state::idle;
  std::uint64_t seen_starts_ = 0;
  std::uint64_t seen_bill_counter_ = 0;
  std::vector<metered_session> metered_;
  pile_actor_stats stats_;
};

}  // namespace pilesim::pile
