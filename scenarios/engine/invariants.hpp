// The invariants of DESIGN.md that hold for every run, checked after it from plain data: the server's books
// and sessions, the piles' own record of what their meters delivered, and the reservations. A checker reports;
// it never repairs. Each verdict names the session or pile it is about, so a failing run says where to look.
#pragma once

#include "contract/money.hpp"
#include "contract/pricing.hpp"
#include "scenarios/engine/outcome.hpp"

#include <cstdint>
#include <map>
#include <optional>
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
  bool ended = false;                // its bill is written (false: still charging at the end of the run)
  std::int64_t started_at_us = 0;    // when the pile accepted the authorization
  std::int64_t ended_at_us = -1;     // when its bill was written; -1 while open
};

struct server_session {
  std::uint64_t id = 0;
  std::string pile;
  std::string state;
  std::int64_t energy_wh = 0;
  money frozen;
  money charged;
  std::int64_t settle_count = 0;
  money held;                                   // what the ledger still holds for it
  std::optional<std::int64_t> reconciled_at_us;
  std::int64_t expires_at_us = 0;               // the authorization's expiry
  std::int64_t hold_release_at_us = 0;          // when an unstarted hold is released
};

// A stretch of time a phone was in BLE range of a pile: [from_us, to_us).
struct presence {
  std::string user;
  std::string pile;
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
};

// A window [from_us, to_us) in which a user's phone cheated with the bills it carried (an attack of kind
// withhold_bill or alter_bill): what it took from a pile then never reached the server genuine.
struct bill_cheat {
  std::string user;
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
};

// Liveness after heal (invariant 5). Once every fault has ended (heal), every session the server created must be
// settled — reconciled, or expired with its hold released — provided the world gave it the chance: a session
// that ended on its pile needs some phone in range of that pile for `bound_us` after max(heal, end), and an
// authorization the pile never acted on needs the server up until its hold release + bound. Sessions still
// charging at `until` are not due. What could not be checked is said in the detail, and holds.
// A phone asks its pile for bills when it connects and when a session there ends, not again while it stays:
// a stretch of a phone in range that overlaps one of its user's bill cheats counts only for sessions that ended
// after the last such cheat (the phone was honest when it took their bill); for the others it gave the pile's
// bill nothing genuine, and some phone must come (back) in range once honest.
struct liveness_inputs {
  std::optional<std::int64_t> heal_us;          // nullopt: some fault never ends
  std::string never_heals_because;              // names that fault
  std::int64_t until_us = 0;
  std::int64_t bound_us = 10 * 60 * 1'000'000LL;
  std::vector<presence> presences;
  std::vector<bill_cheat> bill_cheats;
};

// Invariant 7: refusals counted by piles and server, by kind, to quote them in the detail.
struct refusal_tally {
  std::string kind;
  std::int64_t count = 0;
};

struct server_reservation {
  std::uint64_t id = 0;
  std::string pile;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::string state;
};

// A user's lowest available balance at any moment of the run (replayed from the ledger), for invariant 8.
struct balance_floor {
  std::string user;
  money lowest;
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
  liveness_inputs liveness;
  std::vector<refusal_tally> refusals;
  std::vector<balance_floor> balance_floors;
};

// Money conserved, no overcharge, energy billed = metered, settled at most once, liveness after heal,
// reservations never overlap, forged/expired refused without a trace in the money, no wallet ever below zero —
// in that order.
std::vector<check_outcome> check_invariants(const invariant_inputs& in);

check_outcome check_liveness(const invariant_inputs& in);
check_outcome check_refusals_leave_no_trace(const invariant_inputs& in);
check_outcome check_no_negative_balance(const invariant_inputs& in);

// One configured fault as the world played it, for the vacuity check.
struct fault_applied_input {
  std::size_t index = 0;   // in the file
  std::string kind;
  std::string target;
  std::int64_t at_us = 0;
  bool applied = false;
};

// Every configured fault must have touched some traffic or state: a study never passes on faults that did nothing.
check_outcome check_faults_applied(const std::vector<fault_applied_input>& faults);

}  // namespace pilesim::scenarios
