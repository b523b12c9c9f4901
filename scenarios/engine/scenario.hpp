// A scenario as plain data: the world, what the users do and when, what goes wrong, and what must hold at the
// end (scenario file format v1, SCENARIOS.md). The loader fills it with every default applied and
// every value exact (money in minor units, times in µs, probabilities in ppb, energy in Wh); nothing here
// parses, draws random numbers or knows about YAML. A range to be drawn at run time stays a range.
#pragma once

#include "contract/money.hpp"
#include "contract/pricing.hpp"
#include "contract/stop_reason.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pilesim::scenarios {

// Where something was written in the scenario file: 1-based line and column; 0:0 when it came from an
// override or a default, so later checks can still point people at the text they wrote.
struct source_pos {
  int line = 0;
  int column = 0;

  friend constexpr bool operator==(source_pos, source_pos) = default;
};

// A value drawn uniformly from [lo, hi] by the run's RNG; lo == hi when the file gave one exact value.
// The loader never draws: drawing belongs to the run, so that `--seed` changes it.
template <class T>
struct drawn {
  T lo{};
  T hi{};

  bool exact() const { return lo == hi; }
  friend constexpr bool operator==(const drawn&, const drawn&) = default;
};

// What an expectation accepts: an exact value has min == max; `{min: x}` leaves max open.
template <class T>
struct bounds {
  std::optional<T> min;
  std::optional<T> max;

  bool contains(const T& v) const { return (!min || *min <= v) && (!max || v <= *max); }
  friend constexpr bool operator==(const bounds&, const bounds&) = default;
};

// An expected value with the place it was written, for the report line that says it did not hold.
template <class T>
struct located {
  T value{};
  source_pos pos;
};

struct tariff_config {
  price_per_kwh energy_per_kwh{10000};                  // 1.00
  price_per_kwh service_per_kwh{8000};                  // 0.80
  money no_show_fee{0};                                 // charged when a reservation expires unused
  sim::time_us reservation_hold_us = 15 * sim::minute;  // held this long past the reservation's start
  sim::time_us authorization_ttl_us = 10 * sim::minute; // a start authorization expires this long after issue

  contract::tariff_rate rate() const { return {energy_per_kwh, service_per_kwh}; }
};

struct pile_config {
  source_pos pos;
  std::string id;
  std::int64_t power_w = 0;      // maximum output (power_kw, exact to the watt)
  std::int64_t bill_store = 64;  // bills kept before the pile refuses new sessions
  // The pile's own tariff when it names one, complete: keys it leaves out come from the top-level tariff.
  std::optional<tariff_config> tariff;
  // The pile's own clock (format 1.1 `clock: {offset, drift_ppm}`): it reads t + offset at the world's t and
  // runs drift_ppm parts per million fast (negative: slow). |offset| <= 1d, |drift_ppm| <= 1000.
  sim::time_us clock_offset_us = 0;
  std::int64_t clock_drift_ppm = 0;
};

struct vehicle_config {
  source_pos pos;
  std::string id;
  std::int64_t battery_wh = 0;          // capacity (battery_kwh, exact to the Wh)
  std::int64_t soc_ppm = 0;             // state of charge at t = 0 in parts per million (0.20 -> 200000)
  // On-board charger limit. Absent means "the pile's power": a vehicle may use several piles, so the world
  // resolves it per pile.
  std::optional<std::int64_t> max_ac_w;
};

struct user_config {
  source_pos pos;
  std::string id;
  money balance;                          // wallet at t = 0 (default 0.00)
  std::optional<vehicle_config> vehicle;  // a user without one cannot `start`
};

// BLE as the link layer behaves (SCENARIOS.md v1.1): `loss` is per radio transmission, and a failed one is
// retried at the next connection event; only the supervision timeout loses packets.
struct ble_link_config {
  drawn<sim::time_us> delay_us{20 * sim::msec, 60 * sim::msec};  // host latency, per packet
  drawn<std::uint32_t> loss_ppb{0, 0};       // a range is drawn once per run
  drawn<std::uint32_t> duplicate_ppb{0, 0};
  drawn<std::uint32_t> corrupt_ppb{0, 0};    // a delivered packet has one bit flipped
  drawn<std::uint32_t> connect_failure_ppb{0, 0};
  std::int64_t mtu = 23;                     // ATT MTU, 23..517
  sim::time_us conn_interval_us = 30 * sim::msec;       // 7.5ms..4s
  sim::time_us supervision_timeout_us = 4 * sim::sec;   // 100ms..32s, more than 2 x conn_interval
  std::int64_t packets_per_event = 4;        // per direction and connection event, 1..64
};

struct wan_link_config {
  drawn<sim::time_us> delay_us{50 * sim::msec, 150 * sim::msec};
  drawn<std::uint32_t> loss_ppb{0, 0};
};

struct links_config {
  ble_link_config ble;  // the default for every phone-pile pair
  wan_link_config wan;  // the default for every phone-server link
};

enum class step_action : std::uint8_t { reserve, cancel, start, stop, leave, arrive, unplug, app_restart };

// The words a file uses, so that reports quote the file back.
inline std::string_view to_string(step_action a) {
  switch (a) {
    case step_action::reserve: return "reserve";
    case step_action::cancel: return "cancel";
    case step_action::start: return "start";
    case step_action::stop: return "stop";
    case step_action::leave: return "leave";
    case step_action::arrive: return "arrive";
    case step_action::unplug: return "unplug";
    case step_action::app_restart: return "app_restart";
  }
  return "?";
}

struct step {
  source_pos pos;
  std::size_t index = 0;  // in the file; orders steps that happen at the same instant
  drawn<sim::time_us> at_us;
  std::string user;
  step_action action = step_action::stop;
  std::string pile;                                  // reserve, start, arrive
  drawn<sim::time_us> start_us;                      // reserve: absolute time since t = 0
  std::optional<drawn<sim::time_us>> duration_us;    // reserve: optional
  money amount;                                      // start: the amount to freeze
  bool keep_data = true;                             // app_restart: storage survives the restart
};

// A BLE link model change for the phone-pile links of one pile, or of every pile of a site; only what is set
// changes.
struct ble_fault {
  std::string pile;                // empty when the fault names a site
  std::string site;                // `site: S7` (format 1.1): every pile of a generated site
  std::vector<std::string> piles;  // the piles it changes: {pile}, or the site's piles in id order
  std::optional<drawn<std::uint32_t>> loss_ppb;
  std::optional<drawn<sim::time_us>> delay_us;
  std::optional<drawn<std::uint32_t>> duplicate_ppb;
  std::optional<drawn<std::uint32_t>> reorder_ppb;
  std::optional<drawn<std::uint32_t>> corrupt_ppb;
  std::optional<drawn<std::uint32_t>> connect_failure_ppb;
  std::optional<std::int64_t> mtu;
  std::optional<sim::time_us> conn_interval_us;
  std::optional<sim::time_us> supervision_timeout_us;
  std::optional<std::int64_t> packets_per_event;
  bool disconnect = false;  // drop the connection at `at`

  // Whether it changes the links' model for its window (a bare disconnect is an instant).
  bool changes_model() const {
    return loss_ppb || delay_us || duplicate_ppb || reorder_ppb || corrupt_ppb || connect_failure_ppb || mtu ||
           conn_interval_us || supervision_timeout_us || packets_per_event;
  }
};

// A WAN link model change for one user's phone; only what is set changes.
struct wan_fault {
  std::string user;
  bool down = false;  // no signal
  std::optional<drawn<std::uint32_t>> loss_ppb;
  std::optional<drawn<sim::time_us>> delay_us;
};

// The server crashes at `at` and restarts when the window ends.
struct server_fault {
  friend constexpr bool operator==(server_fault, server_fault) = default;
};

// The pile (or every pile of a site) loses power at `at` and reboots when the window ends; with clock_reset its
// clock comes back reading the pile's epoch (0) instead of the time it kept.
struct pile_power_fault {
  std::string pile;                // empty when the fault names a site
  std::string site;
  std::vector<std::string> piles;  // {pile}, or the site's piles in id order
  bool clock_reset = false;
};

// One user's app cheats as `kind` says for the window (format 1.1; agent/attack.hpp lists what each does).
struct attack_fault {
  std::string user;
  std::string kind;  // one of agent/attack.hpp's kinds, checked by the loader (the CLI sees no agent header)
  std::string pile;  // redirect_start: where the authorization is taken; empty otherwise
};

using fault_kind = std::variant<ble_fault, wan_fault, server_fault, pile_power_fault, attack_fault>;

struct fault {
  source_pos pos;
  std::size_t index = 0;
  drawn<sim::time_us> at_us;
  std::optional<drawn<sim::time_us>> for_us;  // absent: lasts to the end of the run
  fault_kind kind;
};

enum class session_state : std::uint8_t { reconciled, open, refused, expired };
enum class reservation_state : std::uint8_t { used, expired, cancelled, refused };
// `result: fail` marks a scenario that must fail (a project extension): CI checks that it does.
enum class run_result : std::uint8_t { pass, fail };

inline std::string_view to_string(session_state s) {
  switch (s) {
    case session_state::reconciled: return "reconciled";
    case session_state::open: return "open";
    case session_state::refused: return "refused";
    case session_state::expired: return "expired";
  }
  return "?";
}

inline std::string_view to_string(reservation_state s) {
  switch (s) {
    case reservation_state::used: return "used";
    case reservation_state::expired: return "expired";
    case reservation_state::cancelled: return "cancelled";
    case reservation_state::refused: return "refused";
  }
  return "?";
}

inline std::string_view to_string(run_result r) { return r == run_result::pass ? "pass" : "fail"; }

// Matched per user, in the order that user started sessions; each field is checked only when given.
struct session_expectation {
  source_pos pos;
  std::string user;
  std::optional<located<session_state>> state;
  std::optional<located<stop_reason>> reason;                 // `stop_reason`
  std::optional<located<bounds<std::int64_t>>> energy_wh;     // `energy_kwh`, exact to the Wh
  std::optional<located<bounds<money>>> charged;
  std::optional<located<sim::time_us>> reconciled_by_us;      // reconciled at or before
};

struct reservation_expectation {
  source_pos pos;
  std::string user;
  std::optional<located<reservation_state>> state;
};

struct balance_expectation {
  source_pos pos;
  std::string user;
  bounds<money> balance;
};

// Kind names belong to the components that refuse (pile, server); the loader checks only their spelling.
struct refused_expectation {
  source_pos pos;
  std::string kind;
  bounds<std::int64_t> count;
};

// Over the whole run (format 1.1): counts, shares and delays, each checked only when given.
struct totals_expectation {
  std::optional<located<bounds<std::int64_t>>> sessions;    // sessions the server created
  std::optional<located<bounds<std::int64_t>>> reconciled;
  std::optional<located<bounds<std::int64_t>>> expired;
  std::optional<located<bounds<std::int64_t>>> refused;     // starts the server refused (no session made)
  std::optional<located<bounds<std::int64_t>>> gave_up;     // users who found no free pile
  std::optional<located<bounds<std::int64_t>>> energy_wh;   // `energy_kwh`, billed, exact to the Wh
  std::optional<located<bounds<money>>> charged;
};

struct shares_expectation {
  std::optional<located<bounds<std::int64_t>>> reconciled_ppm;  // reconciled / sessions the piles started
};

// From a session's end on its pile to its reconciliation at the server, over the reconciled sessions.
struct delays_expectation {
  std::optional<located<bounds<sim::time_us>>> reconcile_p50;
  std::optional<located<bounds<sim::time_us>>> reconcile_p95;
  std::optional<located<bounds<sim::time_us>>> reconcile_p99;
  std::optional<located<bounds<sim::time_us>>> reconcile_max;
};

struct expectations {
  std::vector<session_expectation> sessions;
  std::vector<reservation_expectation> reservations;
  std::vector<balance_expectation> balances;  // in file order
  std::vector<refused_expectation> refused;   // in file order
  totals_expectation totals;
  shares_expectation shares;
  delays_expectation delays;
  located<run_result> result{run_result::pass, {}};
};

// `fleet.piles` (format 1.1): piles <prefix>1..<prefix><count>, spread evenly over sites S1..S<sites> in
// blocks (pile i is at site floor((i-1) * sites / count) + 1), listed after the file's own piles.
struct fleet_piles_config {
  source_pos pos;
  std::int64_t count = 0;
  std::string prefix = "P";
  drawn<std::int64_t> power_w;  // drawn per pile from "fleet/pile/<id>"
  std::int64_t sites = 0;       // 1..count; the loader makes it count when the file leaves it out
  std::int64_t bill_store = 64;

  std::string id(std::int64_t i) const { return prefix + std::to_string(i); }
  static std::string site_id(std::int64_t n) { return "S" + std::to_string(n); }
  std::int64_t site_of(std::int64_t i) const { return (i - 1) * sites / count + 1; }
  // The piles of site n are first_of(n) .. first_of(n + 1) - 1.
  std::int64_t first_of(std::int64_t n) const { return ((n - 1) * count + sites - 1) / sites + 1; }
};

struct fleet_vehicle_config {
  drawn<std::int64_t> battery_wh;
  drawn<std::int64_t> soc_ppm;
  std::optional<std::int64_t> max_ac_w;
};

// `fleet.users`: users <prefix>1..<prefix><count>, each with a wallet and (if given) a vehicle `<id>-car` drawn
// from "fleet/user/<id>", listed after the file's own users.
struct fleet_users_config {
  source_pos pos;
  std::int64_t count = 0;
  std::string prefix = "U";
  drawn<money> balance;
  std::optional<fleet_vehicle_config> vehicle;

  std::string id(std::int64_t i) const { return prefix + std::to_string(i); }
  static std::string vehicle_id(std::string_view user) { return std::string(user) + "-car"; }
};

struct fleet_config {
  std::optional<fleet_piles_config> piles;
  std::optional<fleet_users_config> users;
};

// `workload` (format 1.1): every generated user's sessions, Poisson arrivals over the whole run, each drawn from
// the user's own stream "workload/<id>" as the run goes.
struct workload_config {
  source_pos pos;
  std::int64_t sessions_per_day_ppm = 0;  // per user (0.2 -> 200000)
  std::uint32_t reserve_first_ppb = 0;
  drawn<sim::time_us> reserve_ahead_us{10 * sim::minute, 2 * sim::hour};
  std::uint32_t no_show_ppb = 0;          // of the reservations
  drawn<money> amount;
  drawn<sim::time_us> stay_us{5 * sim::minute, 30 * sim::minute};
  drawn<sim::time_us> return_after_us{1 * sim::hour, 10 * sim::hour};
  std::uint32_t never_return_ppb = 0;
  std::uint32_t no_signal_ppb = 0;        // of the sessions: no signal from the return, for a `stay` draw
};

struct scenario {
  std::string file;  // as given to the loader, for reports
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  sim::time_us until_us = 0;
  std::string currency = "CNY";
  int currency_minor_digits = 2;
  tariff_config tariff;
  std::vector<pile_config> piles;  // in file order
  std::vector<user_config> users;  // in file order
  links_config links;
  std::vector<step> steps;         // in file order
  std::vector<fault> faults;       // in file order
  fleet_config fleet;              // generated piles and users, made by the run (fleet.hpp)
  std::optional<workload_config> workload;
  expectations expect;
};

}  // namespace pilesim::scenarios
