// The app's BLE client: one connection at a time to one pile (the phone is side sim::ble_link::phone), requests
// with rising sequence numbers, fragmented to the link's MTU and reassembled, each retried a bounded number of
// times with the SAME seq so that the pile acts on it once, and the pile's notifications kept for the app, each
// confirmed to the pile on arrival (the pile repeats a notification until it is confirmed).
// It serves exactly one coroutine (the pile worker) and decides nothing about bills or sessions.
#pragma once

#include "agent/context.hpp"
#include "pile/protocol.hpp"
#include "sim/ble_link.hpp"
#include "sim/mailbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace pilesim::agent {

class ble_client {
 public:
  static constexpr std::size_t inbox_max = 256;

  explicit ble_client(context& cx);
  ble_client(const ble_client&) = delete;
  ble_client& operator=(const ble_client&) = delete;

  // An event on the phone's side of `link` (the agent routes every link's events here).
  void on_link_event(sim::ble_link* link, sim::link_event e);
  // Wakes wait(): the app has work for the worker.
  void poke();

  // Connects to `pile`, letting go of any other; bounded tries. errc::disconnected when it could not
  // (out of range, pile down), errc::bad_value for a pile the phone has no link to.
  sim::asio::awaitable<result<void>> connect(std::string pile);
  void disconnect(std::string_view why);
  bool connected() const { return state_ == state::connected; }
  bool connected_to(std::string_view pile) const { return connected() && pile_ == pile; }
  const std::string& pile() const { return pile_; }
  // Whether `link` is the one this client connects through (or last did).
  bool holds(const sim::ble_link& link) const { return link_ == &link; }

  // One request, one reply (same seq). errc::timeout after every try went unanswered, errc::disconnected when
  // the connection dropped (the caller may connect again and repeat: the pile answers a repeat the same way).
  // A try whose time runs out while the link still retransmits the last copy sends nothing: it waits again.
  sim::asio::awaitable<result<protocol::message>> request(protocol::message m);

  // Returns when something needs the worker: a notification is waiting, the connection dropped, or poke()
  // was called; errc::timeout at `deadline`.
  sim::asio::awaitable<result<void>> wait(sim::time_us deadline);
  // The oldest notification not yet taken.
  std::optional<protocol::session_ended> take_notification();

 private:
  enum class state : std::uint8_t { idle, connecting, connected };
  struct input {
    sim::ble_link* link = nullptr;  // nullptr: a poke
    std::uint64_t generation = 0;   // of our own connection attempts: older events are stale
    sim::link_event event;
  };

  // Absorbs one input already in the inbox, if any; true when it did.
  bool absorb_queued();
  void absorb(input& in);
  void on_frame(const bytes& packet);
  void on_notification(std::uint16_t seq, const protocol::session_ended& n);
  // Fragments one encoded frame to the link's MTU and sends it; false when the link has no connection.
  bool send(const bytes& wire);
  void drop_state();
  sim::asio::awaitable<void> pause_until(sim::time_us until);

  context& cx_;
  sim::mailbox<input> inbox_;
  state state_ = state::idle;
  sim::ble_link* link_ = nullptr;
  std::string pile_;
  std::uint64_t generation_ = 0;  // bumped by every connect attempt and every disconnect of ours
  protocol::reassembler reassembly_{protocol::frame_len_max};
  protocol::fragmenter fragmenter_;  // tags the frames this phone sends
  std::deque<protocol::frame> replies_;
  std::deque<protocol::session_ended> notifications_;
  std::optional<std::uint16_t> last_notification_seq_;  // on this connection: a repeat is confirmed, not kept
  bool poked_ = false;
  bool dropped_ = false;          // the connection dropped since wait() last returned
};

}  // namespace pilesim::agent
