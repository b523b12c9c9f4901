#include "server/idempotency.hpp"

#include <sodium.h>

#include <algorithm>

namespace pilesim::server {

fingerprint fingerprint_of(const http::request& req) {
  fingerprint out{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, out.size());
  // Lengths first, so that no two (method, target, body) triples hash the same bytes.
  const std::uint64_t lens[3] = {req.method.size(), req.target.size(), req.body.size()};
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(lens), sizeof lens);
  for (const std::string* part : {&req.method, &req.target, &req.body})
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(part->data()), part->size());
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

std::optional<stored_answer> find_answer(database& db, std::string_view user, std::string_view key) {
  auto c = db.query("SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = ?1 AND idem_key = ?2",
                    user, key);
  if (!c.step()) return std::nullopt;
  stored_answer s;
  const auto fp = c.blob(0);
  if (fp.size() != s.of.size()) throw database_error("idempotency fingerprint of the wrong length");
  std::copy(fp.begin(), fp.end(), s.of.begin());
  s.answer.status = static_cast<int>(c.int64(1));
  s.answer.body = c.text(2);
  return s;
}

void store_answer(database& db, std::string_view user, std::string_view key, const fingerprint& of,
                  const http::response& answer, std::int64_t at_us) {
  db.run(
      "INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, status, body, at_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      user, key, std::span<const std::uint8_t>(of), std::int64_t{answer.status}, answer.body, at_us);
}

std::uint64_t answer_filter::hash_of(std::string_view user, std::string_view key) {
  // Only membership depends on it, never any order or output, so the standard hash is fine here.
  const std::size_t u = std::hash<std::string_view>{}(user);
  const std::size_t k = std::hash<std::string_view>{}(key);
  return (static_cast<std::uint64_t>(u) * 0x9e3779b97f4a7c15ULL) ^ static_cast<std::uint64_t>(k);
}

void answer_filter::load(database& db) {
  seen_.clear();
  enabled_ = db.is_private();
  if (!enabled_) return;
  rows_ = 0;
  auto c = db.query("SELECT user_id, idem_key FROM idempotency_keys ORDER BY id");
  while (c.step()) {
    seen_.insert(hash_of(c.text(0), c.text(1)));
    ++rows_;
  }
}

void answer_filter::purged(database& db, std::int64_t count) {
  if (!enabled_ || count <= 0) return;
  rows_ = std::max<std::int64_t>(rows_ - count, 0);
  if (seen_.size() > 2 * static_cast<std::size_t>(rows_) + 1024) load(db);
}

std::int64_t purge_answers(database& db, std::int64_t before_us) {
  // Answers are stored in id order, which is time order within a run, so the old ones are a prefix of the table
  // and the scan below stops at the first young one: no index on age is kept up to date on every request. If a
  // reused database file holds answers from a run with a later clock, the young ones behind them merely wait;
  // no answer younger than the cutoff is ever purged.
  std::optional<std::int64_t> first_young;
  {
    auto c = db.query("SELECT id FROM idempotency_keys WHERE at_us >= ?1 ORDER BY id LIMIT 1", before_us);
    if (c.step()) first_young = c.int64(0);
  }
  if (first_young) db.run("DELETE FROM idempotency_keys WHERE id < ?1", *first_young);
  else db.run("DELETE FROM idempotency_keys");
  return db.changes();
}

}  // namespace pilesim::server
