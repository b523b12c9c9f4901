// The one table of refusal kinds: what `expect.refused` may count, each with who counts it. The loader refuses a
// kind that is not here, the run's collection refuses to report one (a component that starts counting a new
// kind must add it here first), and the expectations and the schema test read the same names.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace pilesim::scenarios {

struct refusal_kind {
  std::string_view name;
  std::string_view counted_by;  // "pile", "server", or "run" for tallies the run adds up from outcomes
  std::string_view what;
};

inline constexpr std::array<refusal_kind, 21> refusal_kinds{{
    {"start_authorization", "pile", "start authorizations the pile refused"},
    {"stop", "pile", "stop commands the pile refused (wrong stop secret)"},
    {"receipt", "pile", "receipts the pile refused"},
    {"start", "run", "starts the server refused (402, 409, ...)"},
    {"reservation", "run", "reservations the server refused"},
    {"bill", "run", "bills the server refused, of every bill_ kind"},
    {"unauthorized", "server", "requests without a valid bearer token"},
    {"forbidden", "server", "requests for another user's reservation or session"},
    {"idempotency_mismatch", "server", "an idempotency key reused with another body"},
    {"bill_forged", "server", "bills not sealed by a known pile"},
    {"bill_mismatch", "server", "bills for another session or pile"},
    {"bill_repriced", "server", "bills whose cost disagrees with the tariff"},
    {"bill_over_cap", "server", "bills that cost more than was frozen"},
    {"bill_conflict", "server", "a second, different bill for a settled session"},
    {"started_forged", "server", "start acknowledgements not sealed by the pile"},
    {"auth_mismatch", "server", "start acknowledgements for another authorization"},
    {"vehicle_busy", "server", "starts for a vehicle that has a session that may still be running"},
    {"reservation_not_started", "server", "starts at a reserved pile before the reservation's window opens"},
    {"too_many_reservations", "server", "reservations by a user who has as many open as allowed"},
    {"beyond_horizon", "server", "reservations that start further ahead than the horizon"},
    {"fee_not_covered", "server", "reservations whose no-show fees the user's balance does not cover"},
}};

inline bool is_refusal_kind(std::string_view name) {
  return std::any_of(refusal_kinds.begin(), refusal_kinds.end(), [&](const refusal_kind& k) { return k.name == name; });
}

// "start_authorization, stop, ...": for messages that list the kinds.
inline std::string refusal_kind_list() {
  std::string out;
  for (const auto& k : refusal_kinds) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

}  // namespace pilesim::scenarios
