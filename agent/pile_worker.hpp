// The one coroutine that uses the app's BLE client. It runs the main coroutine's jobs (connect, one request,
// disconnect) first, and between them keeps the store-and-forward going: while connected it delivers the
// receipts it holds for that pile and fetches the pile's oldest pending bill (anyone's) into the outbox; while
// the phone is near a pile but not connected it reconnects with backoff. It never talks to the server.
#pragma once

#include "agent/ble_client.hpp"
#include "agent/context.hpp"
#include "pile/protocol.hpp"
#include "sim/mailbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pilesim::agent {

// Wrapped for the same reason as http_answer.
struct pile_answer {
  explicit pile_answer(result<protocol::message> answer) : r(std::move(answer)) {}
  template <class T>
  pile_answer(T) = delete;
  result<protocol::message> r;
};

class pile_worker {
 public:
  using reply_box = sim::mailbox<pile_answer>;
  static constexpr std::size_t jobs_max = 16;

  // `uploads_ready` is called when a bill was put in the outbox.
  pile_worker(context& cx, ble_client& ble, std::function<void()> uploads_ready);
  pile_worker(const pile_worker&) = delete;
  pile_worker& operator=(const pile_worker&) = delete;

  // Spawns "agent/<user>/ble".
  void start();

  // Connects to `pile` (letting go of any other) and says hello; the answer is the hello_reply.
  void submit_connect(std::string pile, reply_box& reply);
  // One request to `pile`, connecting first if needed and once more if the connection drops meanwhile.
  void submit_request(std::string pile, protocol::message m, reply_box& reply);
  // Lets go of the pile; nothing is answered.
  void submit_disconnect();
  // A receipt was put in the outbox: deliver it if connected to its pile.
  void receipts_ready() { ble_.poke(); }
  // Connected to `pile`, which said it holds bills not yet collected, or waits for a receipt this phone holds.
  bool bills_waiting(std::string_view pile) const {
    return ble_.connected_to(pile) && (bills_due_ || cx_.disk.box.receipt_for(pile) != nullptr);
  }

 private:
  enum class job_kind : std::uint8_t { connect, request, disconnect };
  struct job {
    job_kind what = job_kind::connect;
    std::string pile;
    protocol::message msg;
    reply_box* reply = nullptr;
  };

  void submit(job j);
  sim::asio::awaitable<void> run();
  sim::asio::awaitable<result<protocol::message>> perform(job j);
  sim::asio::awaitable<result<protocol::message>> open(std::string pile);
  // One step of receipt delivery, bill collection or greeting; false when nothing was due.
  sim::asio::awaitable<bool> housekeeping();
  bool work_waiting() const;
  void exchange_failed();
  void on_hello(const protocol::message& reply);
  void collect(const std::string& pile, const bytes& sealed_bill);
  // forge_receipt attack (context::attack): a made-up receipt for the bill just collected.
  sim::asio::awaitable<void> forge_receipt(std::string pile);
  void on_notification(const protocol::session_ended& n);
  sim::time_us next_wake() const;

  context& cx_;
  ble_client& ble_;
  std::function<void()> uploads_ready_;
  std::deque<job> jobs_;
  // What the worker knows of the connected pile; all of it is forgotten with the connection.
  bool greeted_ = false;                   // a hello was answered on this connection
  std::optional<std::uint64_t> forge_receipt_for_;  // forge_receipt attack: the bill to send a made-up receipt for
  bool bills_due_ = false;                 // the pile may hold a bill not yet in the outbox
  sim::time_us housekeeping_after_us_ = 0; // after a failed exchange, wait before the next one
  int housekeeping_failures_ = 0;          // in a row, for the backoff of that wait
  sim::time_us reconnect_after_us_ = 0;
  int reconnect_failures_ = 0;
};

}  // namespace pilesim::agent
