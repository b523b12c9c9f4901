// The server's REST API as a real phone app knows it: paths, JSON bodies, status codes.
// Every mutating request carries an Idempotency-Key header and a bearer token; money is a decimal string
// ("12.60"), times are integer microseconds of the server's clock (simulation time; under `pilesim serve`, since
// the Unix epoch), sealed tokens are base64url without padding
// (RFC 4648 section 5; canonical, the unused low bits of the last character are zero).
// Bodies are plain structs with one encoder and one decoder each; decoding checks every field.
#pragma once

#include "contract/challenge.hpp"
#include "contract/money.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pilesim::api {

// POST /v1/reservations -> 201 reservation | 409 conflict (the window overlaps another), too_many_reservations
// (the caller has service_config::reservations_open_max open, 3 by default) | 422 beyond_horizon (the window starts
// more than reservation_horizon_us ahead, 7 days by default) | 402 fee_not_covered (the caller's spendable balance
// does not cover the no-show fees of their open reservations and this one) | 404 unknown pile | 400
struct reservation_request {
  std::string pile;
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;      // 0: the tariff's reservation_hold
};
// DELETE /v1/reservations/{id} -> 200 reservation | 403 not yours | 404 | 409 not open
struct reservation {
  std::uint64_t id = 0;
  std::string pile;
  std::string user;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;           // start + duration (the window the pile is held)
  std::string state;                 // open | used | expired | cancelled
};

struct vehicle_info {
  std::string id;
  std::int64_t battery_wh = 0;
  std::int64_t max_ac_w = 0;
};

// POST /v1/sessions -> 201 session_started | 402 insufficient balance | 409 pile reserved by someone else or
// busy, the caller's vehicle already in a session that may run (vehicle_busy), the named reservation not open or
// its window not begun (reservation_not_started) | 403 reservation not yours | 404 unknown pile or reservation | 400
struct session_request {
  std::string pile;
  std::uint64_t reservation = 0;     // 0: none (works if the pile is free)
  vehicle_info vehicle;
  money amount;                      // to freeze
  challenge pile_challenge{};        // "challenge": from the pile's hello reply; sealed into the authorization
};
struct session_started {
  std::uint64_t session = 0;
  money frozen;
  vehicle_info vehicle;
  bytes authorization;               // sealed start_authorization for the pile
  bytes stop_secret;                 // 32 bytes: proves to the pile that a stop comes from this phone
  std::int64_t expires_at_us = 0;
};

// POST /v1/sessions/{id}/started {ack} -> 200 session_view | 422 refused (bad MAC, mismatch) | 404
struct started_upload { bytes ack; };  // sealed start_ack from the pile

// POST /v1/sessions/{id}/bill {bill} -> 200 reconciled | 422 refused (forged, altered, wrong session) | 404
// Accepted from any user's phone: the bill is authenticated by the pile, not by whoever carries it.
struct bill_upload { bytes bill; };    // sealed bill from the pile
struct reconciled {
  std::uint64_t session = 0;
  std::int64_t energy_wh = 0;
  money charged;
  money refunded;
  std::optional<money> balance;      // the owner's balance; only when the carrier is the owner
  bytes receipt;                     // sealed receipt for the pile
  std::int64_t reconciled_at_us = 0;
};

// GET /v1/sessions/{id} -> 200 session_view | 403 | 404
struct session_view {
  std::uint64_t session = 0;
  std::string user;
  std::string pile;
  std::string state;                 // authorized | started | reconciled | expired
  money frozen;
  money charged;
  std::int64_t energy_wh = 0;
  std::string stop_reason;           // empty until reconciled
};

// GET /v1/wallet -> 200 wallet
struct wallet {
  std::string user;
  money balance;
  money held;
};

// Any non-2xx answer.
struct error_body {
  std::string error;                 // machine word: conflict, insufficient_balance, forged, not_found, ...
  std::string detail;                // for people
};

std::string to_json(const reservation_request& v);
std::string to_json(const reservation& v);
std::string to_json(const session_request& v);
std::string to_json(const session_started& v);
std::string to_json(const started_upload& v);
std::string to_json(const bill_upload& v);
std::string to_json(const reconciled& v);
std::string to_json(const session_view& v);
std::string to_json(const wallet& v);
std::string to_json(const error_body& v);

// errc::bad_value for invalid JSON, a missing or mistyped field, bad money or bad base64url.
result<reservation_request> parse_reservation_request(std::string_view json);
result<reservation> parse_reservation(std::string_view json);
result<session_request> parse_session_request(std::string_view json);
result<session_started> parse_session_started(std::string_view json);
result<started_upload> parse_started_upload(std::string_view json);
result<bill_upload> parse_bill_upload(std::string_view json);
result<reconciled> parse_reconciled(std::string_view json);
result<session_view> parse_session_view(std::string_view json);
result<wallet> parse_wallet(std::string_view json);
result<error_body> parse_error_body(std::string_view json);

}  // namespace pilesim::api
