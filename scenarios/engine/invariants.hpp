// The invariants of DESIGN.md that hold for every run, checked after it from plain data: the server's books
// and sessions, the piles' own record of what their meters delivered, and the reservations. A checker reports;
// it never repairs. Each verdict names the session or pile it is about, so a failing run says where to look.
#pragma once

#include "scenarios/engine/outcome.hpp"
#include "sim/money.hpp"
#include "sim/pricing.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pilesim::scenarios {

// One session as a pile's meter saw it (kept by the world as an observer, not by the pile's bounded store).
struct metered_session {
  std::string pile;
  std::uint64_t session_id = 0;
  std::int64_t energy_wh = 0;
  std::int64_t cap_wh = -1;          // energy_cap_wh(frozen, rate); -1: no money cap
  std::uint64_t times_started = 0;   // how often the pile acted on a start for it (must be 1)
};

struct server_session {
  std::uint64_t id = 0;
  std::string pile;
  std::string state;
  std::int64_t energy_wh = 0;
  money frozen;
  money charged;
  std::int64_t settle_count = 0;
};

struct server_reservation {
  std::uint64_t id = 0;
  std::string pile;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::string state;
};

struct invariant_inputs {
  money deposits;
  money balances;
  money held;
  money revenue;
  std::vector<std::string> ledger_audit;       // problems the ledger found in itself; empty when sound
  std::vector<server_session> sessions;
  std::vector<metered_session> metered;
  std::vector<server_reservation> reservations;
};

std::vector<check_outcome> check_invariants(const invariant_inputs& in);

}  // namespace pilesim::scenarios
