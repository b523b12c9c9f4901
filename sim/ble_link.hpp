// The Bluetooth Low Energy link between one phone (side 0, the central) and one pile (side 1, the peripheral),
// as the link layer behaves: packets (payload <= MTU-3) move only at connection events, a failed transmission
// goes again at the next event, and only a supervision timeout (or a cut) loses what was not yet acknowledged.
// On a live connection it never loses, reorders or repeats a packet: the phone stack's duplicate, reorder and
// corrupt knobs act after it. Idle connections never become kernel events, one per connection event.
#pragma once

#include "sim/ble_radio.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"
#include "sim/rng.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::sim {

// Everything about a BLE link that a scenario or a fault may change. Probabilities in ppb.
struct ble_model {
  time_us delay_min_us = 20 * msec;       // host latency before a packet can go, drawn per packet, FIFO kept
  time_us delay_max_us = 60 * msec;
  std::uint32_t loss_ppb = 0;             // one radio transmission fails (and is retried at the next event)
  std::uint32_t duplicate_ppb = 0;        // the phone's stack repeats a delivered packet
  std::uint32_t reorder_ppb = 0;          // ... lets a delivered packet overtake the next one of its event
  std::uint32_t corrupt_ppb = 0;          // ... hands a delivered packet on with one bit flipped
  std::uint32_t connect_failure_ppb = 0;  // one connection attempt fails (Android's "status 133")
  time_us conn_interval_us = 30 * msec;
  time_us supervision_timeout_us = 4 * sec;
  std::uint32_t packets_per_event = 4;    // per direction: what fits in one connection event
  std::size_t mtu = 23;                   // ATT MTU; a packet's payload is at most mtu - 3 bytes
  time_us connect_delay_min_us = 50 * msec;  // advertising + connection set-up
  time_us connect_delay_max_us = 250 * msec;
};

struct ble_stats {
  std::uint64_t sent = 0;             // packets accepted by send()
  std::uint64_t delivered = 0;        // packets handed to a receiver (a duplicate counts again)
  std::uint64_t dropped = 0;          // packets not yet acknowledged when their connection dropped
  std::uint64_t transmissions = 0;    // radio transmissions of packets at connection events
  std::uint64_t retransmissions = 0;  // transmissions that failed, so the packet went again later
  std::uint64_t busy_events = 0;      // connection events that had packets to move (kernel events)
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t corrupted = 0;        // deliveries with one bit flipped
  std::uint64_t connect_attempts = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t disconnects = 0;      // connections dropped for any reason
  std::uint64_t supervision_timeouts = 0;
};

// One radio transmission of a connection event that had packets to move, for observers (a capture writer).
struct ble_transmission {
  std::uint64_t connection = 0;  // the link's connection number
  std::uint64_t event = 0;       // connection event number within the connection
  time_us at_us = 0;
  int from = 0;                  // ble_link::phone (central, master) or ble_link::pile
  std::uint32_t slot = 0;        // 0: the event's first exchange; k: the sender's k-th further packet
  bool empty = false;            // an empty PDU: the sender had nothing ready at the first exchange
  std::uint64_t packet = 0;      // the sender's data packet number on this connection; a retry repeats it
  std::uint8_t sn = 0;           // sequence number bit of the packet (packet & 1)
  std::uint8_t nesn = 0;         // next expected sequence number: packets the sender has received, & 1
  bool more_data = false;        // the sender has more packets ready behind this one
  bool got_through = false;
  int corrupted_bit = -1;        // delivered with this bit flipped by the phone's stack; -1: intact
  std::span<const std::uint8_t> payload;  // as sent on air (valid during the call only)
};

class ble_link {
 public:
  static constexpr int phone = 0;
  static constexpr int pile = 1;
  static constexpr std::size_t tx_queue_max = 1024;  // packets per direction waiting for the radio
  using sink = link::sink;
  using transmission_hook = std::function<void(const ble_transmission&)>;

  ble_link(kernel& k, std::string name, ble_model model);
  ble_link(const ble_link&) = delete;
  ble_link& operator=(const ble_link&) = delete;

  const std::string& name() const { return name_; }
  // Where packets and connection events for `side` go.
  void attach(int side, sink s) { sinks_[side] = std::move(s); }
  // Called for every transmission at a connection event that moves packets; nothing is called when unset.
  void on_transmission(transmission_hook h) { hook_ = std::move(h); }

  const ble_model& model() const { return model_; }
  // A connection in progress keeps going under the new model: a new conn_interval takes effect at the next
  // connection event (a connection parameter update), and the supervision timer keeps counting.
  void set_model(const ble_model& m);
  std::size_t mtu() const { return model_.mtu; }
  std::size_t payload_max() const { return model_.mtu - 3; }

  // Queues a packet from `side`. errc::too_large above MTU-3, errc::disconnected without a connection,
  // errc::mailbox_full when tx_queue_max packets already wait. Queued packets are delivered in order, once,
  // unless the connection drops first.
  result<void> send(int side, bytes packet);
  // Packets from `side` not yet acknowledged (what its stack still holds).
  std::size_t unacknowledged(int side) const { return tx_[side].size(); }
  // Packets `side` handed to the link on this connection, and how many of them are acknowledged: a sender that
  // notes handed() after a message knows it is still on its way while acknowledged() is below that mark (a
  // retransmitting link delivers it without help; a second copy would only queue behind the first).
  std::uint64_t handed(int side) const { return numbered_[side]; }
  std::uint64_t acknowledged(int side) const { return received_[1 - side]; }

  // The phone walks into or out of range; the pile's radio loses or regains power. Either way, while the pile
  // cannot be reached no event gets through, and a connection drops after the supervision timeout.
  void set_in_range(bool in_range);
  bool in_range() const { return in_range_; }
  void set_pile_powered(bool powered);
  bool pile_powered() const { return pile_powered_; }

  // The phone asks to connect. Both sides get `connected` after the set-up delay if the pile can be reached
  // then and the attempt does not fail; otherwise the phone alone gets `disconnected`. A no-op while
  // connected or connecting.
  void connect();
  bool connecting() const { return static_cast<bool>(connect_event_); }
  bool connected() const { return connected_; }
  // Drops the connection now: unacknowledged packets are lost and both sides get `disconnected`.
  void disconnect(std::string_view reason);
  // Numbers the connections; bumped when one is made.
  std::uint64_t connection() const { return connection_; }

  const ble_stats& stats() const { return stats_; }

 private:
  struct tx_packet {
    bytes data;
    time_us ready_us = 0;     // when the host latency has passed
    std::uint64_t number = 0;  // per direction and connection
  };
  // A FIFO that keeps its storage: a vector and a read position, reset when it runs empty and compacted when
  // the read position passes half of it (a queue that never runs empty stays bounded).
  struct tx_queue {
    std::vector<tx_packet> items;
    std::size_t head = 0;
    std::size_t size() const { return items.size() - head; }
    bool empty() const { return head == items.size(); }
    tx_packet& front() { return items[head]; }
    const tx_packet& front() const { return items[head]; }
    void pop();
    void clear();
  };
  struct arrival {
    bytes data;
    bool duplicate = false;
    bool reorder = false;
  };

  bool reachable() const { return in_range_ && pile_powered_; }
  ble_radio radio() const { return {radio_key_, connection_}; }
  void trace(std::string_view kind, std::initializer_list<field> fields);
  void notify(int side, link_event::kind what);

  void on_connect_attempt_done();
  void establish();
  // Before the radio changes at `now`: the connection events before now are decided under the old radio.
  void settle();
  void replan();
  void on_supervision();
  void schedule_service();
  void cancel_timers();
  void serve();
  bool transmit(std::uint64_t event, std::uint32_t slot, int from, bool first_ok, bool first);
  void deliver(int from, bytes data, std::uint64_t event, std::uint64_t packet, ble_transmission* record);
  void hand_up();
  void hand_to(int to, std::uint64_t connection, bytes data);
  void drop_queued();
  void cut(std::string_view reason);

  kernel& k_;
  std::string name_;
  rng rng_;                  // host latencies, set-up delays, attempt failures and the phone stack's knobs
  std::uint64_t radio_key_;  // seeds the stateless radio outcomes
  ble_model model_;
  std::array<sink, 2> sinks_;
  transmission_hook hook_;
  ble_stats stats_;

  bool in_range_ = false;
  bool pile_powered_ = true;
  bool connected_ = false;
  std::uint64_t connection_ = 0;
  event_handle connect_event_;

  // The current connection's radio state: events before first_unknown_ are decided.
  ble_timeline timeline_;
  time_us last_ok_us_ = 0;
  std::uint64_t first_unknown_ = 0;
  event_handle service_event_;
  std::uint64_t service_index_ = 0;
  event_handle supervision_event_;
  time_us drop_us_ = time_max;
  bool serving_ = false;

  std::array<tx_queue, 2> tx_;
  std::array<time_us, 2> last_ready_us_{0, 0};
  std::array<std::uint64_t, 2> numbered_{0, 0};   // packets queued per direction on this connection
  std::array<std::uint64_t, 2> received_{0, 0};   // packets each side has received on this connection
  std::array<std::vector<arrival>, 2> arrived_;   // by sender, during one connection event
};

}  // namespace pilesim::sim
