// The four kinds of sealed token that server and pile exchange end to end through the untrusted phone: a start
// authorization (server -> pile), a start acknowledgement and a bill (pile -> server), and a receipt
// (server -> pile). Plain values; their wire form is contract/seal.hpp's, behind contract/envelope.hpp's
// header. The phone relays them as opaque bytes and never includes this header.
#pragma once

#include "contract/challenge.hpp"
#include "contract/key32.hpp"
#include "contract/money.hpp"
#include "contract/pricing.hpp"
#include "contract/stop_reason.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace pilesim::contract {

inline constexpr std::size_t vehicle_id_len_max = 32;

struct start_authorization {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t counter = 0;        // per pile, strictly rising; the pile refuses anything not above its last
  std::int64_t issued_at_us = 0;    // server clock
  std::int64_t expires_at_us = 0;   // server clock: when the server stops holding the money for it
  money frozen;                     // the cap: the pile never delivers energy costing more
  tariff_rate rate;                 // the tariff the server will reprice with
  std::string vehicle_id;
  key32 stop_digest{};              // stop_digest(stop secret of this session)
  // Freshness on the pile's own terms: the challenge the pile issued in its hello reply, and how long after
  // issuing it the pile may accept this authorization, measured by the pile's own timer. The server's clock and
  // the pile's need not agree on anything.
  pilesim::challenge challenge{};
  std::int64_t ttl_us = 0;          // > 0
};

struct bill {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t counter = 0;        // the pile's bill counter, strictly rising per pile
  std::int64_t meter_start_wh = 0;  // the pile's monotonic register at start and stop
  std::int64_t meter_stop_wh = 0;
  std::int64_t started_at_us = 0;   // pile clock
  std::int64_t stopped_at_us = 0;
  money cost;                       // session_cost(meter_stop_wh - meter_start_wh, rate)
  stop_reason reason = stop_reason::user;

  std::int64_t energy_wh() const { return meter_stop_wh - meter_start_wh; }
};

// The pile's signed word that it accepted an authorization and started: lets the server keep the hold
// past the authorization's expiry (a session that never started has its hold released).
struct start_ack {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t counter = 0;        // the authorization's counter
  std::int64_t meter_start_wh = 0;
  std::int64_t started_at_us = 0;   // pile clock
  // The counter of the authorization the pile accepted before this one (0: none). The pile accepts only rising
  // counters, so every authorization for it with a counter strictly between the two was never accepted, and
  // never will be: the server's signed proof that those holds can be released for good.
  std::uint64_t prev_counter = 0;
};

struct receipt {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t bill_counter = 0;
  money charged;
};

}  // namespace pilesim::contract
