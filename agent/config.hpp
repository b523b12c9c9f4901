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
  sim::time_us attempt_timeout_us = 3 * sim::sec;  // an attempt with no answer by then is abandoned
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
                                                     // doubles while they keep failing, up to poll_interval_us
  // While connected to a pile running a session, ask for its state: notifications are not acknowledged, so a
  // lost session_ended is found by the next poll instead of never. The first poll comes poll_interval_us after
  // the start (or the hello); while polls keep being answered at the first try, each gap doubles up to
  // poll_interval_max_us, and any sign of loss (a retried or failed exchange) brings it back to
  // poll_interval_us. A lost notification is so found within poll_interval_max_us of its loss at worst, well
  // inside the 10 min liveness bound. Against polling every minute, a 20 min session's BLE traffic falls by
  // about 2/3 (and a phone's radio time with it); set max = base to never widen.
  sim::time_us poll_interval_us = 60 * sim::sec;
  sim::time_us poll_interval_max_us = 4 * sim::minute;
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
  int start_tries = 3;             // BLE start exchanges (each with its own retries) across reconnections
};

}  // namespace pilesim::agent
