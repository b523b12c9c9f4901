// The pile's non-volatile memory: the meter register, the authorization and bill counters, the open session's
// record and the bills not yet receipted. The world keeps it alive across a power loss; everything else in the
// pile is RAM. Bounded: it never overwrites or drops a bill to make room (the firmware refuses new sessions
// instead), never runs the meter or a counter backwards, and holds no clock and no key.
#pragma once

#include "contract/key32.hpp"
#include "contract/money.hpp"
#include "contract/pricing.hpp"
#include "contract/token.hpp"
#include "sim/bytes.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace pilesim::pile {

// What the pile must remember about an accepted session to finish it, even after a reboot.
struct session_record {
  std::uint64_t session_id = 0;
  std::uint64_t counter = 0;         // the authorization's counter
  money frozen;
  contract::tariff_rate rate;
  key32 stop_digest{};
  std::int64_t cap_wh = -1;          // energy_cap_wh(frozen, rate); -1: the price is zero, no money cap
  std::int64_t meter_start_wh = 0;
  std::int64_t started_at_us = 0;    // pile clock, when the authorization was accepted
  std::string vehicle_id;
  std::uint64_t prev_counter = 0;    // the counter accepted before this one (0: none), for the start ack
};

// A bill as written at the end of a session: the fields and the sealed bytes handed to phones (sealed once,
// so that every phone relays the very same bytes).
struct stored_bill {
  contract::bill fields;
  bytes sealed;
};

class nv_store {
 public:
  static constexpr std::size_t bill_store_default = 64;

  explicit nv_store(std::size_t bill_capacity = bill_store_default);

  // The meter register: total energy ever delivered, and when it was last written (pile clock).
  std::int64_t meter_mwh() const { return meter_mwh_; }
  std::int64_t meter_wh() const { return meter_mwh_ / 1000; }
  std::int64_t meter_at_us() const { return meter_at_us_; }
  void write_meter(std::int64_t meter_mwh, std::int64_t at_us);

  std::uint64_t last_counter() const { return last_counter_; }  // last accepted authorization; 0: none yet
  std::uint64_t bill_counter() const { return bill_counter_; }  // counter of the last bill written; 0: none
  // Power-ups since the pile was made (0: the first): with a sequence number in RAM it makes every challenge the
  // pile issues different from every one before.
  std::uint64_t boots() const { return boots_; }
  void count_boot() { ++boots_; }

  // The session in progress (nullptr when none) and the most recently accepted one, which may have ended:
  // the latter lets the pile answer a repeated start or stop exactly as it did the first time.
  const session_record* active_session() const { return open_ ? &*last_session_ : nullptr; }
  const session_record* last_session() const { return last_session_ ? &*last_session_ : nullptr; }

  // Room for one more session: every accepted session owns a slot for its bill until the bill is receipted.
  bool has_room() const { return bills_.size() + (open_ ? 1 : 0) < bill_capacity_; }
  // Pre: no open session, has_room(), r.counter > last_counter().
  void open_session(session_record r);
  // Ends the open session with its bill. Pre: an open session, b.counter == bill_counter() + 1.
  const stored_bill& close_session(const contract::bill& b, bytes sealed);

  std::size_t bill_capacity() const { return bill_capacity_; }
  std::size_t pending_bills() const { return bills_.size(); }
  const stored_bill* oldest_bill() const { return bills_.empty() ? nullptr : &bills_.front(); }
  const std::deque<stored_bill>& bills() const { return bills_; }
  // Forgets a receipted bill; false when no pending bill has that session and counter.
  bool forget_bill(std::uint64_t session_id, std::uint64_t bill_counter);

 private:
  std::size_t bill_capacity_;
  std::int64_t meter_mwh_ = 0;
  std::int64_t meter_at_us_ = 0;
  std::uint64_t last_counter_ = 0;
  std::uint64_t bill_counter_ = 0;
  std::uint64_t boots_ = 0;
  std::optional<session_record> last_session_;
  bool open_ = false;
  std::deque<stored_bill> bills_;  // oldest first
};

}  // namespace pilesim::pile
