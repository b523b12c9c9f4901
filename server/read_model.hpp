// What reports and invariant checkers may read of the server's state, straight from its database.
// They take the database, not the service, so that they work while the service is down after a simulated crash.
// Read-only and ordered (by id or by name), so that two runs with the same seed list the same rows the same way.
#pragma once

#include "contract/money.hpp"
#include "server/database.hpp"
#include "server/ledger.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::server {

struct session_summary {
  std::uint64_t id = 0;
  std::string user;
  std::string pile;
  std::uint64_t reservation = 0;     // 0: none
  std::string state;                 // authorized | started | reconciled | expired
  std::string stop_reason;           // empty until reconciled; not_started: expired, and the pile proved it
  std::int64_t energy_wh = 0;
  money frozen;
  money held;                        // what the ledger holds for it now
  money charged;
  money refunded;                    // frozen - charged once reconciled; frozen once an unstarted hold is released
  std::optional<std::int64_t> reconciled_at_us;
  std::int64_t settle_count = 0;     // 0 or 1: the schema refuses a second settlement
  std::int64_t expires_at_us = 0;
  std::int64_t hold_release_at_us = 0;
  // The pile's clock as the server saw it: the start instant the pile stamped (its ack or its bill, pile clock)
  // less the instant the server issued the authorization (server clock). The pile's offset plus the time the
  // authorization took to reach it; nullopt until the pile's word of a start came in.
  std::optional<std::int64_t> pile_clock_offset_us;
};

struct reservation_summary {
  std::uint64_t id = 0;
  std::string user;
  std::string pile;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::string state;                 // open | used | expired | cancelled
  money fee;                         // no-show fee actually charged
};

struct balance_summary {
  std::string user;
  money balance;                     // available
  money held;
};

struct refusal_count {
  std::string kind;                  // bill_forged, started_forged, auth_mismatch, forbidden, ...
  std::int64_t count = 0;
};

std::vector<session_summary> list_sessions(database& db);          // by session id
std::vector<reservation_summary> list_reservations(database& db);  // by reservation id
std::vector<balance_summary> list_balances(database& db);          // by user id
std::vector<refusal_count> list_refusals(database& db);            // by kind
// Each user's lowest available balance after any ledger entry, replayed from the entries in order (so a balance
// that went below zero and came back is still seen). By user id.
std::vector<balance_summary> list_balance_floors(database& db);
// One change of the money held for sessions (an entry into or out of a user's hold account), in ledger order.
struct hold_change {
  std::int64_t at_us = 0;
  std::int64_t delta_minor = 0;
};
std::vector<hold_change> list_hold_changes(database& db);
ledger_totals read_totals(database& db);
// The session a start request made, found by the request's (user, Idempotency-Key) in the stored answers: what
// the server did whether or not its answer reached the phone. Nullopt when it made none (refused, never arrived)
// or the answer was purged.
std::optional<std::uint64_t> session_made_by(database& db, std::string_view user, std::string_view key);

}  // namespace pilesim::server
