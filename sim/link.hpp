// A link carries byte frames between its two sides after a sampled delay, under a fault model that a
// scenario may change at any time: loss, duplication, reordering, down, and disconnects that both sides
// learn of. Every drop, duplicate and disconnect is a trace event. Frames sent before a disconnect are never
// delivered after it. A link never reads a clock or a random source other than the kernel's. (The phone-pile
// link is sim/ble_link: it shares only the events it hands its sides.)
#pragma once

#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/kernel.hpp"
#include "sim/rng.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

namespace pilesim::sim {

struct link_model {
  time_us delay_min_us = 0;        // one-way delay drawn uniformly from [min, max]
  time_us delay_max_us = 0;
  std::uint32_t loss_ppb = 0;      // probability that a frame is lost
  std::uint32_t duplicate_ppb = 0; // probability that a frame arrives twice
  std::uint32_t reorder_ppb = 0;   // probability that a frame may overtake earlier ones (else FIFO)
  bool down = false;               // nothing gets through (no signal, powered off)
};

struct link_event {
  enum class kind : std::uint8_t { frame, connected, disconnected };
  kind what = kind::frame;
  bytes data;
};

struct link_stats {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;       // lost, down, or cut by a disconnect
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t disconnects = 0;
};

class link {
 public:
  using sink = std::function<void(link_event&&)>;
  // Sees every frame a side hands the link, before any fault acts on it (a capture writer); never changes a run.
  using send_hook = std::function<void(time_us at, int side, std::span<const std::uint8_t> frame)>;

  link(kernel& k, std::string name, link_model model);
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  const std::string& name() const { return name_; }
  // Where frames for `side` (0 or 1) go.
  void attach(int side, sink s) { sinks_[side] = std::move(s); }
  // Called for every frame sent while connected; nothing is called when unset.
  void on_send(send_hook h) { hook_ = std::move(h); }

  const link_model& model() const { return model_; }
  void set_model(const link_model& m) { model_ = m; }

  // Sends a frame from `side`. A frame the link cannot carry is counted and traced as dropped; the sender is
  // told only what it could know locally (errc::disconnected when there is no connection).
  result<void> send(int side, bytes frame);

  bool connected() const { return connected_; }
  // Cuts the connection: frames in flight are lost and both sides get a `disconnected` event now.
  void disconnect(std::string_view reason);

  const link_stats& stats() const { return stats_; }
  // Bumped by every disconnect: frames of an older epoch are never delivered.
  std::uint64_t epoch() const { return epoch_; }

 private:
  void notify(int side, link_event::kind what);
  void trace(std::string_view kind, std::initializer_list<field> fields);
  void schedule_delivery(int to, bytes frame);
  void deliver(int to, std::uint64_t epoch, bytes& frame);
  void deliver_batch(int to);

  // In-order frames in flight per direction, grouped by the kernel event that delivers them. A frame due at
  // the same instant as the last one sent, with no other event scheduled in between, joins that event
  // instead of taking the next insertion number: the order of everything is what it would have been with one
  // event per frame, with fewer events (a burst of frames sent together takes one).
  struct batch {
    time_us when;
    std::uint64_t order;   // the delivering event's insertion number
    std::uint64_t epoch;
    std::uint32_t frames;  // taken from the front of in_order_[to]
  };
  std::array<std::deque<batch>, 2> batches_;
  std::array<std::deque<bytes>, 2> in_order_;

  kernel& k_;
  rng rng_;
  link_stats stats_;
  std::string name_;
  link_model model_;
  std::array<sink, 2> sinks_;
  send_hook hook_;
  std::array<time_us, 2> last_arrival_{0, 0};  // per direction, for FIFO delivery
  std::uint64_t epoch_ = 0;                     // bumped by every disconnect
  bool connected_ = true;
};

}  // namespace pilesim::sim
