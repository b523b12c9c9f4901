// The frame around every endpoint: authentication, routing, idempotency and the one transaction per request.
#include "server/service.hpp"

#include "server/api/api.hpp"
#include "server/handlers.hpp"
#include "server/idempotency.hpp"
#include "server/schema.hpp"

#include "contract/envelope.hpp"

#include <sodium.h>

#include <charconv>
#include <cstdlib>

namespace pilesim::server {
namespace {

enum class endpoint { none, reservations, reservation, sessions, session, started, bill, wallet };

struct route {
  endpoint to = endpoint::none;
  std::uint64_t id = 0;
};

// Decimal without sign or leading zeros, so each id has one spelling (and one idempotency fingerprint).
std::optional<std::uint64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 20 || s[0] == '0') return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

route match(std::string_view target) {
  constexpr std::string_view prefix = "/v1/";
  if (!target.starts_with(prefix)) return {};
  target.remove_prefix(prefix.size());
  if (target == "reservations") return {endpoint::reservations};
  if (target == "sessions") return {endpoint::sessions};
  if (target == "wallet") return {endpoint::wallet};
  if (target.starts_with("reservations/")) {
    auto id = parse_id(target.substr(13));
    return id ? route{endpoint::reservation, *id} : route{};
  }
  if (target.starts_with("sessions/")) {
    target.remove_prefix(9);
    const std::size_t slash = target.find('/');
    auto id = parse_id(target.substr(0, slash));
    if (!id) return {};
    if (slash == std::string_view::npos) return {endpoint::session, *id};
    const std::string_view rest = target.substr(slash + 1);
    if (rest == "started") return {endpoint::started, *id};
    if (rest == "bill") return {endpoint::bill, *id};
  }
  return {};
}

std::string_view method_of(endpoint e) {
  switch (e) {
    case endpoint::reservations:
    case endpoint::sessions:
    case endpoint::started:
    case endpoint::bill: return "POST";
    case endpoint::reservation: return "DELETE";
    case endpoint::session:
    case endpoint::wallet: return "GET";
    case endpoint::none: break;
  }
  return {};
}

// "Bearer <token>"; the scheme is case-insensitive (RFC 9110), the token is not.
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != scheme[i]) return {};
  }
  return header.substr(scheme.size());
}

http::response dispatch(context& cx, route r, std::string_view body) {
  switch (r.to) {
    case endpoint::reservations: return create_reservation(cx, body);
    case endpoint::reservation: return cancel_reservation(cx, r.id);
    case endpoint::sessions: return create_session(cx, body);
    case endpoint::session: return view_session(cx, r.id);
    case endpoint::started: return confirm_started(cx, r.id, body);
    case endpoint::bill: return upload_bill(cx, r.id, body);
    case endpoint::wallet: return view_wallet(cx);
    case endpoint::none: break;
  }
  return refuse(404, "not_found", "no such endpoint");
}

std::optional<std::int64_t> earliest(std::optional<std::int64_t> a, std::optional<std::int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

http::response refuse(int status, std::string_view word, std::string_view detail) {
  return {status, api::to_json(api::error_body{std::string(word), std::string(detail)})};
}

void count_refusal(database& db, std::string_view kind) {
  db.run("INSERT INTO refusals (kind, count) VALUES (?1, 1) ON CONFLICT (kind) DO UPDATE SET count = count + 1",
         kind);
}

service::service(database& db, service_config config) : db_(db), books_(db), piles_(db), config_(config) {
  // Only hashing and MACs are used (never libsodium's randomness); init picks the fast implementations.
  if (sodium_init() < 0) std::abort();
  apply_schema(db_);
  answered_.load(db_);
  next_deadline();
}

service::~service() = default;

result<void> service::add_user(std::string_view id, std::string_view token, money balance, std::int64_t now_us) {
  if (id.empty() || token.empty() || balance.minor < 0) return errc::bad_value;
  transaction tx(db_);
  {
    auto c = db_.query("SELECT 1 FROM users WHERE id = ?1 OR token = ?2", id, token);
    if (c.step()) return errc::bad_value;
  }
  db_.run("INSERT INTO users (id, token) VALUES (?1, ?2)", id, token);
  if (auto r = books_.open_wallet(id); !r) return r;
  books_.deposit(id, balance, now_us);
  tx.commit();
  return {};
}

result<void> service::add_pile(const pile_config& pile) {
  if (pile.id.empty() || pile.id.size() > contract::pile_id_len_max || pile.rate.energy.e4 < 0 ||
      pile.rate.service.e4 < 0 || pile.no_show_fee.minor < 0 || pile.reservation_hold_us <= 0 ||
      pile.authorization_ttl_us <= 0)
    return errc::bad_value;
  transaction tx(db_);
  {
    auto c = db_.query("SELECT 1 FROM piles WHERE id = ?1", pile.id);
    if (c.step()) return errc::bad_value;
  }
  db_.run(
      "INSERT INTO piles (id, mac_key, energy_e4, service_e4, no_show_fee_minor, reservation_hold_us, "
      "authorization_ttl_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      pile.id, std::span<const std::uint8_t>(pile.key), pile.rate.energy.e4, pile.rate.service.e4, pile.no_show_fee,
      pile.reservation_hold_us, pile.authorization_ttl_us);
  tx.commit();
  return {};
}

std::optional<key32> service::pile_key(std::string_view id) {
  const pile_row* p = piles_.find(id);
  if (!p) return std::nullopt;
  return p->key;
}

std::optional<std::string> service::user_token(std::string_view id) {
  auto c = db_.query("SELECT token FROM users WHERE id = ?1", id);
  if (!c.step()) return std::nullopt;
  return std::string(c.text(0));
}

http::response service::handle(const http::request& req, std::int64_t now_us) {
  try {
    if (due(now_us)) run_due(now_us);
    std::string user;
    if (const std::string_view token = bearer_token(req.authorization); !token.empty()) user = user_for(token);
    if (user.empty()) {
      transaction tx(db_);
      count_refusal(db_, "unauthorized");
      tx.commit();
      return refuse(401, "unauthorized", "a valid bearer token is required");
    }
    return handle_authenticated(req, user, now_us);
  } catch (const database_error& e) {
    // The transaction guard has rolled back whatever the request wrote; nothing of it is stored or answered twice.
    return refuse(500, "internal", e.what());
  }
}

std::string service::user_for(std::string_view token) {
  if (users_rollbacks_ != db_.rollbacks()) {
    users_by_token_.clear();
    users_rollbacks_ = db_.rollbacks();
  }
  if (auto it = users_by_token_.find(token); it != users_by_token_.end()) return it->second;
  auto c = db_.query("SELECT id FROM users WHERE token = ?1", token);
  if (!c.step()) return {};  // unknown tokens are not remembered: the user may be added later
  std::string user(c.text(0));
  users_by_token_.emplace(std::string(token), user);
  return user;
}

http::response service::handle_authenticated(const http::request& req, std::string_view user, std::int64_t now_us) {
  const route r = match(req.target);
  if (r.to == endpoint::none) return refuse(404, "not_found", "no such endpoint");
  if (req.method != method_of(r.to)) return refuse(405, "method_not_allowed", "the endpoint does not take this method");
  const bool mutating = req.method != "GET";
  if (mutating && req.idempotency_key.empty())
    return refuse(400, "idempotency_key_required", "POST and DELETE need an Idempotency-Key header");
  if (mutating && req.idempotency_key.size() > config_.idempotency_key_len_max)
    return refuse(400, "bad_request", "the Idempotency-Key is too long");

  transaction tx(db_);
  fingerprint of{};
  if (mutating) {
    of = fingerprint_of(req);
    if (auto stored = answered_.may_have(user, req.idempotency_key) ? find_answer(db_, user, req.idempotency_key)
                                                                     : std::nullopt) {
      if (stored->of == of) return std::move(stored->answer);  // nothing written: the guard's rollback is harmless
      count_refusal(db_, "idempotency_mismatch");
      tx.commit();
      return refuse(422, "idempotency_key_reused", "this Idempotency-Key already answered a different request");
    }
  }
  context cx{db_, books_, piles_, config_, user, now_us};
  http::response res = dispatch(cx, r, req.body);
  if (mutating) {
    store_answer(db_, user, req.idempotency_key, of, res, now_us);
    answered_.add(user, req.idempotency_key);  // before the commit: a failed one leaves only a harmless yes
  }
  tx.commit();
  if (cx.new_deadline_us < sim::time_max) due_bound_ = earliest(due_bound_, cx.new_deadline_us);
  if (mutating) due_exact_ = false;
  return res;
}

std::optional<std::int64_t> service::next_deadline() {
  if (!due_exact_) {
    due_bound_ = earliest(next_reservation_end(db_), next_hold_release(db_));
    due_exact_ = true;
  }
  return due_bound_;
}

bool service::due(std::int64_t now_us) {
  if (!due_bound_ || *due_bound_ > now_us) return false;
  // The bound was reached: it may be stale (the session started, the reservation was used), so ask the database.
  const auto exact = next_deadline();
  return exact && *exact <= now_us;
}

void service::run_due(std::int64_t now_us) {
  transaction tx(db_);
  expire_reservations(db_, books_, now_us);
  release_unstarted_holds(db_, books_, now_us);
  const std::int64_t purged = purge_answers(db_, now_us - config_.idempotency_retention_us);
  tx.commit();
  answered_.purged(db_, purged);
  due_exact_ = false;
  next_deadline();
}

}  // namespace pilesim::server
