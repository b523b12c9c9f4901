// The app's outbox: sealed tokens waiting to be carried — start acks and bills to the server, receipts to their
// pile. It is storage: it survives an app restart that keeps data. Bounded: when full, a new item is refused
// (the pile still holds its bill, so nothing is lost); it never drops an item it accepted, and it never holds
// the same bill twice or a bill whose receipt it already has.
#pragma once

#include "sim/bytes.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace pilesim::agent {

enum class upload_kind : std::uint8_t { started, bill };

struct upload {
  std::uint64_t id = 0;               // assigned by the outbox
  upload_kind kind = upload_kind::bill;
  std::uint64_t session = 0;
  std::string pile;
  bytes sealed;                       // start_ack or bill, as the pile sealed it
  std::string idempotency_key;        // the same on every try, so the server answers a repeat from its record
  sim::time_us next_try_us = 0;
  int failures = 0;                   // tries the HTTP client gave up on
};

struct pending_receipt {
  std::string pile;
  std::uint64_t session = 0;
  bytes sealed;
};

enum class add_result : std::uint8_t { added, duplicate, full };

class outbox {
 public:
  outbox(std::size_t uploads_max, std::size_t receipts_max) : uploads_max_(uploads_max), receipts_max_(receipts_max) {}

  add_result add(upload u);
  // The first item (in arrival order) due at `now_us`; nullptr when none is.
  const upload* next_due(sim::time_us now_us) const;
  // The earliest instant an item becomes due; nullopt when the outbox is empty.
  std::optional<sim::time_us> next_try() const;
  upload* find(std::uint64_t id);
  // Whether a bill from `pile` waits for the server.
  bool holds_bill_for(std::string_view pile) const;
  void remove(std::uint64_t id);

  add_result add_receipt(pending_receipt r);
  // The oldest receipt for `pile`; nullptr when none.
  const pending_receipt* receipt_for(std::string_view pile) const;
  bool has_receipt(std::string_view pile, std::uint64_t session) const;
  void remove_receipt(std::string_view pile, std::uint64_t session);

  std::size_t uploads() const { return uploads_.size(); }
  std::size_t receipts() const { return receipts_.size(); }

 private:
  std::size_t uploads_max_;
  std::size_t receipts_max_;
  std::uint64_t next_id_ = 1;
  std::deque<upload> uploads_;             // arrival order
  std::deque<pending_receipt> receipts_;   // arrival order
};

}  // namespace pilesim::agent
