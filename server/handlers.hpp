// Internal to server/: the endpoint handlers behind service::handle and the timed work behind run_due.
// Each runs inside the transaction the service opened and returns the full answer; none of them checks
// authentication or idempotency (the service did) and none commits (the service does).
#pragma once

#include "server/api/http.hpp"
#include "server/database.hpp"
#include "server/ledger.hpp"
#include "server/rows.hpp"
#include "server/service.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace pilesim::server {

// What one request may touch, and what it reports back to the service besides its answer.
struct context {
  database& db;
  ledger& books;
  pile_cache& piles;
  const service_config& config;
  std::string_view user;                         // the authenticated caller
  std::int64_t now_us = 0;
  std::int64_t new_deadline_us = sim::time_max;  // the earliest timed work this request created

  void add_deadline(std::int64_t at_us) { new_deadline_us = std::min(new_deadline_us, at_us); }
};

// A JSON error body with a machine word (conflict, forbidden, forged, ...) and a sentence for people.
http::response refuse(int status, std::string_view word, std::string_view detail);
// Counts a request refused for cause under `kind`, for the run's report; written in the caller's transaction.
void count_refusal(database& db, std::string_view kind);

// What the user may still spend on a new hold or a fee: the available balance less the frozen amounts of sessions
// whose fate is unknown (released for want of an acknowledgement, yet perhaps charging). A bill for such a session
// takes its cost back from this margin, so no wallet is ever driven below zero. sessions.cpp
money in_doubt(database& db, std::string_view user);
money spendable(database& db, ledger& books, std::string_view user);

// reservations.cpp
http::response create_reservation(context& cx, std::string_view body);
http::response cancel_reservation(context& cx, std::uint64_t id);
void expire_reservations(database& db, ledger& books, std::int64_t now_us);
std::optional<std::int64_t> next_reservation_end(database& db);

// sessions.cpp
http::response create_session(context& cx, std::string_view body);
http::response confirm_started(context& cx, std::uint64_t id, std::string_view body);
http::response view_session(context& cx, std::uint64_t id);
http::response view_wallet(context& cx);
void release_unstarted_holds(database& db, ledger& books, std::int64_t now_us);
std::optional<std::int64_t> next_hold_release(database& db);

// bills.cpp
http::response upload_bill(context& cx, std::uint64_t id, std::string_view body);

}  // namespace pilesim::server
