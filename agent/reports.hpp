// What an agent did, as an observer records it for reports and checks: each start attempt and reservation with
// its outcome, and counters of the traffic it caused. This is the simulator's notebook, not the app's memory:
// an app restart never erases it, and the app never reads it to decide anything.
#pragma once

#include "contract/money.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <string>

namespace pilesim::agent {

struct start_attempt {
  std::string pile;
  money amount;                 // asked to freeze
  sim::time_us at_us = 0;       // when the command was played
  std::uint64_t session = 0;    // the server's session id; 0 when the server made none (or never answered)
  int http_status = 0;          // of POST /v1/sessions; 0 when no answer came
  std::string pile_status;      // the pile's start_reply status ("ok", "busy", ...); empty when no reply came
  std::string refused;          // empty unless refused: who refused and why ("server: conflict (409)")
  std::string idempotency_key;  // of POST /v1/sessions: finds the session the server made when no answer came
};

struct reservation_attempt {
  std::uint64_t id = 0;         // 0 when refused or unanswered
  std::string pile;
  sim::time_us start_us = 0;
  sim::time_us end_us = 0;
  int http_status = 0;          // of POST /v1/reservations; 0 when no answer came
  std::string state;            // as the agent knows it: open | used | cancelled | refused | unknown
};

struct agent_counters {
  std::uint64_t commands = 0;
  std::uint64_t commands_dropped = 0;     // the command queue was full
  std::uint64_t http_requests = 0;        // logical requests
  std::uint64_t http_attempts = 0;        // frames sent (each a new connection)
  std::uint64_t http_retries = 0;         // attempts after the first of a request
  std::uint64_t http_gave_up = 0;         // requests that ran out of attempts
  std::uint64_t http_stale = 0;           // answers for an abandoned attempt, ignored
  std::uint64_t ble_connects = 0;         // connections made
  std::uint64_t ble_connect_failures = 0; // attempts that did not connect
  std::uint64_t ble_requests = 0;
  std::uint64_t ble_retries = 0;          // request frames sent again with the same seq
  std::uint64_t ble_still_sending = 0;    // tries that sent nothing: the link still retransmitted the last copy
  std::uint64_t ble_timeouts = 0;         // requests that got no reply after every retry
  std::uint64_t bills_collected = 0;      // new bills put in the outbox (any user's)
  std::uint64_t bills_uploaded = 0;       // answered 200 by the server
  std::uint64_t acks_uploaded = 0;
  std::uint64_t uploads_refused = 0;      // 4xx for an outbox item: dropped, retrying cannot help
  std::uint64_t receipts_delivered = 0;   // receipt_reply from the pile, whatever its status
  std::uint64_t outbox_full = 0;          // items not queued because the outbox was full
  std::uint64_t restarts = 0;
};

}  // namespace pilesim::agent
