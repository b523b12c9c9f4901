// How one phone app is set up: whose it is, the car it starts sessions for, and every timeout, retry bound and
// backoff of its HTTP and BLE clients and of its outbox. Plain data, documented field by field; every bound
// here is finite so that an app can never retry forever in a tight loop.
#pragma once

#include "server/api.hpp"
#include "sim/time.hpp"

#include <cstddef>
#include <string>

namespace pilesim::agent {

struct http_options {
  // An attempt with no answer by then is given up and the next one sent; each attempt waits twice as long as the
  // one before, up to attempt_timeout_max_us, so a slow link (seconds each way) still gets its answer in.
  sim::time_us attempt_timeout_us = 3 * sim::sec;
  sim::time_us attempt_timeout_max_us = 24 * sim::sec;
  int attempts_max = 6;                            // per logical request, first one included
  sim::time_us backoff_initial_us = 500 * sim::msec;  // before the second attempt; doubles each time
  sim::time_us backoff_max_us = 30 * sim::sec;
};

struct ble_options {
  sim::time_us request_timeout_us = 2 * sim::sec;  // per try of one request
  int request_tries_max = 4;                       // tries of one request, all with the same seq
  sim::time_us connect_timeout_us = 2 * sim::sec;  // longer than any connection set-up delay
  int connect_tries_max = 3;
  sim::time_us connect_retry_us = 1 * sim::sec;    // pause between connection tries
  sim::time_us reconnect_initial_us = 5 * sim::sec;  // while near a pile and not connected: first pause
  sim::time_us reconnect_max_us = 60 * sim::sec;     // ... doubling up to this
  sim::time_us housekeeping_retry_us = 5 * sim::sec; // after a hello, bill or receipt exchange got no reply;
  sim::time_us housekeeping_retry_max_us = 60 * sim::sec;  // doubles while they keep failing, up to this
  // There is no polling while a session runs: the pile repeats session_ended until the phone confirms it, and
  // a reconnection's hello reports pending bills.
};

struct outbox_options {
  std::size_t uploads_max = 64;                    // start acks and bills waiting for the server
  std::size_t receipts_max = 64;                   // receipts waiting for their pile
  sim::time_us retry_initial_us = 10 * sim::sec;   // after the HTTP client gave up on an item; doubles
  sim::time_us retry_max_us = 2 * sim::minute;
};

struct agent_config {
  std::string user;
  std::string token;               // bearer token for the server
  api::vehicle_info vehicle;       // the car this user starts sessions for
  http_options http;
  ble_options ble;
  outbox_options outbox;
  // A start is relayed to the pile for as long as its authorization is valid, across reconnections: BLE start
  // exchanges (each with its own retries) spaced by a backoff from start_retry_initial_us doubling up to
  // start_retry_max_us, never past the authorization's expiry and never more than start_tries_max of them.
  int start_tries_max = 64;
  sim::time_us start_retry_initial_us = 1 * sim::sec;
  sim::time_us start_retry_max_us = 15 * sim::sec;
  // A start needs the pile's challenge from a hello answered at the pile: asked at most challenge_tries_max
  // times, spaced as the start relays are.
  int challenge_tries_max = 8;
  int stop_tries = 3;              // BLE stop exchanges (each with its own retries) across reconnections
  // The next user's phone: bills a pile holds when the phone connects are carried to the server before the start
  // asks for anything, waiting at most carry_wait_max_us (looking again every carry_poll_us at least), and a
  // start refused `busy` while such a bill was settling is asked again once it settled, at most busy_retries_max
  // times.
  sim::time_us carry_wait_max_us = 2 * sim::minute;
  sim::time_us carry_poll_us = 1 * sim::sec;
  int busy_retries_max = 3;
};

}  // namespace pilesim::agent
