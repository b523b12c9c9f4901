#include "server/rows.hpp"

#include <algorithm>

namespace pilesim::server {

std::optional<pile_row> load_pile(database& db, std::string_view id) {
  auto c = db.query(
      "SELECT id, mac_key, energy_e4, service_e4, no_show_fee_minor, reservation_hold_us, authorization_ttl_us, "
      "last_counter FROM piles WHERE id = ?1",
      id);
  if (!c.step()) return std::nullopt;
  pile_row p;
  p.id = c.text(0);
  const auto key = c.blob(1);
  if (key.size() != p.key.size()) throw database_error("pile " + p.id + " has a key of the wrong length");
  std::copy(key.begin(), key.end(), p.key.begin());
  p.rate = {{c.int64(2)}, {c.int64(3)}};
  p.no_show_fee = c.amount(4);
  p.reservation_hold_us = c.int64(5);
  p.authorization_ttl_us = c.int64(6);
  p.last_counter = static_cast<std::uint64_t>(c.int64(7));
  return p;
}

std::optional<reservation_row> load_reservation(database& db, std::uint64_t id) {
  auto c = db.query("SELECT id, user_id, pile_id, start_us, end_us, state FROM reservations WHERE id = ?1", id);
  if (!c.step()) return std::nullopt;
  reservation_row r;
  r.id = static_cast<std::uint64_t>(c.int64(0));
  r.user = c.text(1);
  r.pile = c.text(2);
  r.start_us = c.int64(3);
  r.end_us = c.int64(4);
  r.state = c.text(5);
  return r;
}

std::optional<session_row> load_session(database& db, std::uint64_t id) {
  auto c = db.query(
      "SELECT id, user_id, pile_id, vehicle_id, energy_e4, service_e4, frozen_minor, held_minor, state, counter, "
      "energy_wh, charged_minor, refunded_minor, stop_reason, COALESCE(reconciled_at_us, 0) "
      "FROM sessions WHERE id = ?1",
      id);
  if (!c.step()) return std::nullopt;
  session_row s;
  s.id = static_cast<std::uint64_t>(c.int64(0));
  s.user = c.text(1);
  s.pile = c.text(2);
  s.vehicle_id = c.text(3);
  s.rate = {{c.int64(4)}, {c.int64(5)}};
  s.frozen = c.amount(6);
  s.held = c.amount(7);
  s.state = c.text(8);
  s.counter = static_cast<std::uint64_t>(c.int64(9));
  s.energy_wh = c.int64(10);
  s.charged = c.amount(11);
  s.refunded = c.amount(12);
  s.stop_reason = c.text(13);
  s.reconciled_at_us = c.int64(14);
  return s;
}

const pile_row* pile_cache::find(std::string_view id) {
  if (rollbacks_ != db_.rollbacks()) {
    rows_.clear();
    rollbacks_ = db_.rollbacks();
  }
  if (auto it = rows_.find(id); it != rows_.end()) return &it->second;
  auto row = load_pile(db_, id);
  if (!row) return nullptr;
  std::string key = row->id;
  return &rows_.emplace(std::move(key), std::move(*row)).first->second;
}

void pile_cache::set_last_counter(std::string_view id, std::uint64_t counter) {
  // A row not cached is read from the database, which already holds the new value.
  if (auto it = rows_.find(id); it != rows_.end()) it->second.last_counter = counter;
}

}  // namespace pilesim::server
