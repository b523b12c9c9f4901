// The backend's pure request handler: an HTTP request and the simulation time in, a response out, one SQLite
// transaction per request. It is kept apart from transport so the simulated WAN and real TCP share it, and it
// keeps nothing in memory that matters: a crash destroys it, a restart builds it again on the same database.
// It never reads a clock or draws randomness; time comes from the caller, and secrets derive from the seed or
// from a server secret the caller supplies.
#pragma once

#include "contract/key32.hpp"
#include "contract/money.hpp"
#include "contract/pricing.hpp"
#include "server/api/http.hpp"
#include "server/database.hpp"
#include "server/idempotency.hpp"
#include "server/ledger.hpp"
#include "server/read_model.hpp"
#include "server/rows.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::server {

struct service_config {
  // Where stop secrets come from (server/stop_secret.hpp). Simulations give only the run's seed: session n's is
  // derive_stop_secret(seed, n), as it always was, so every trace stays byte-identical. `pilesim serve` gives 32
  // bytes of real randomness as server_secret, and the seed then plays no part in any secret.
  std::uint64_t seed = 1;
  std::optional<key32> server_secret = std::nullopt;
  // How long a hold outlives its authorization: the pile checks expiry on its own clock, which may lag the
  // server's, and the hold must last as long as any pile could still accept the authorization.
  std::int64_t clock_skew_margin_us = 5 * sim::minute;
  // The longest reservation window anyone may ask for.
  std::int64_t reservation_duration_us_max = 24 * sim::hour;
  // Reservations are bounded so that nobody can hold piles at no cost: a user has at most this many open at once
  // (409 too_many_reservations), none may start more than the horizon after the request (422 beyond_horizon),
  // and the user's spendable balance must cover the no-show fees of all their open reservations, the new one
  // included (402 fee_not_covered).
  std::int64_t reservations_open_max = 3;
  std::int64_t reservation_horizon_us = 7 * 24 * sim::hour;
  // Stored answers older than this are forgotten; retries come long before.
  std::int64_t idempotency_retention_us = 7 * 24 * sim::hour;
  // Longer Idempotency-Key headers are refused (400), so the table stays bounded per request.
  std::size_t idempotency_key_len_max = 128;
};

// A pile as the operator provisions it: its MAC key and its tariff.
struct pile_config {
  std::string id;                    // 1..contract::pile_id_len_max bytes
  key32 key{};                       // shared with this pile only
  contract::tariff_rate rate;        // energy + service per kWh
  money no_show_fee;                 // charged when a reservation on this pile expires unused
  std::int64_t reservation_hold_us = 15 * sim::minute;   // default reservation window
  std::int64_t authorization_ttl_us = 10 * sim::minute;  // a start authorization's life
};

class service {
 public:
  // Applies the schema (idempotent) and picks up whatever work the database already holds.
  service(database& db, service_config config);
  // Out of line: inlined into callers, the caches' destructors tripped g++ 12's -Wmaybe-uninitialized.
  ~service();

  // Provisioning, outside the HTTP API. errc::bad_value for an invalid or already existing user or pile.
  result<void> add_user(std::string_view id, std::string_view token, money balance, std::int64_t now_us = 0);
  result<void> add_pile(const pile_config& pile);
  // What provisioning stored, for a caller that reopens a kept database and must tell piles and users the key and
  // token that are really in force (add_user and add_pile refuse to replace them). Empty when unknown.
  std::optional<key32> pile_key(std::string_view id);
  std::optional<std::string> user_token(std::string_view id);

  // Answers one request at simulation time `now_us`; first runs any timed work that is due by then, so the
  // answer does not depend on whether the caller ran run_due() before or after delivering the request.
  http::response handle(const http::request& req, std::int64_t now_us);

  // The earliest instant at which run_due() has work: a reservation to expire or an unstarted hold to release.
  std::optional<std::int64_t> next_deadline();
  // A cheap lower bound on next_deadline() (never later), for a caller that only needs to know when to look
  // again: it skips the queries that make the deadline exact after every mutating request. Pair it with due().
  std::optional<std::int64_t> deadline_bound() const { return due_bound_; }
  // Whether run_due() has work at `now_us`; makes the deadline exact only when its bound has been reached.
  bool due(std::int64_t now_us);
  // Expires unused reservations whose window has ended (charging the no-show fee) and releases the holds of
  // sessions never confirmed started, at expires_at + clock_skew_margin. One transaction.
  void run_due(std::int64_t now_us);

  // Read models for reports and invariant checkers (see read_model.hpp for their meaning).
  std::vector<session_summary> sessions() { return list_sessions(db_); }
  std::vector<reservation_summary> reservations() { return list_reservations(db_); }
  std::vector<balance_summary> balances() { return list_balances(db_); }
  std::vector<refusal_count> refusals() { return list_refusals(db_); }
  ledger_totals totals() { return books_.totals(); }
  std::vector<std::string> audit() { return books_.audit(); }

  const service_config& config() const { return config_; }

 private:
  // The user whose bearer token this is, or empty.
  std::string user_for(std::string_view token);
  http::response handle_authenticated(const http::request& req, std::string_view user, std::int64_t now_us);

  database& db_;
  ledger books_;
  pile_cache piles_;
  answer_filter answered_;
  service_config config_;
  // A lower bound on the next deadline (never later than the true one), so handle() can skip run_due() with
  // one comparison; it is exact while due_exact_ holds, i.e. until a mutating request commits. Both are only
  // caches of what the database says: losing them in a crash loses nothing.
  std::optional<std::int64_t> due_bound_;
  bool due_exact_ = false;
  // Bearer token -> user id, for tokens already found in the users table (a user row never changes once
  // committed). Dropped whenever a transaction rolls back, lost in a crash; looked up, never iterated.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, text_hash, std::equal_to<>> users_by_token_;
  std::uint64_t users_rollbacks_ = 0;
};

}  // namespace pilesim::server
