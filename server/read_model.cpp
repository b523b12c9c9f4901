#include "server/read_model.hpp"

#include "server/api.hpp"

#include <algorithm>
#include <map>

namespace pilesim::server {

std::vector<session_summary> list_sessions(database& db) {
  std::vector<session_summary> out;
  auto c = db.query(
      "SELECT id, user_id, pile_id, COALESCE(reservation_id, 0), state, stop_reason, energy_wh, frozen_minor, "
      "held_minor, charged_minor, refunded_minor, reconciled_at_us, settle_count, expires_at_us, hold_release_at_us, "
      "started_at_us - issued_at_us FROM sessions ORDER BY id");
  while (c.step()) {
    session_summary s;
    s.id = static_cast<std::uint64_t>(c.int64(0));
    s.user = c.text(1);
    s.pile = c.text(2);
    s.reservation = static_cast<std::uint64_t>(c.int64(3));
    s.state = c.text(4);
    s.stop_reason = c.text(5);
    s.energy_wh = c.int64(6);
    s.frozen = c.amount(7);
    s.held = c.amount(8);
    s.charged = c.amount(9);
    s.refunded = c.amount(10);
    if (!c.is_null(11)) s.reconciled_at_us = c.int64(11);
    s.settle_count = c.int64(12);
    s.expires_at_us = c.int64(13);
    s.hold_release_at_us = c.int64(14);
    if (!c.is_null(15)) s.pile_clock_offset_us = c.int64(15);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<reservation_summary> list_reservations(database& db) {
  std::vector<reservation_summary> out;
  auto c = db.query(
      "SELECT id, user_id, pile_id, start_us, end_us, state, fee_minor FROM reservations ORDER BY id");
  while (c.step()) {
    reservation_summary r;
    r.id = static_cast<std::uint64_t>(c.int64(0));
    r.user = c.text(1);
    r.pile = c.text(2);
    r.start_us = c.int64(3);
    r.end_us = c.int64(4);
    r.state = c.text(5);
    r.fee = c.amount(6);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<balance_summary> list_balances(database& db) {
  std::vector<balance_summary> out;
  auto c = db.query(
      "SELECT w.user_id, av.balance_minor, hd.balance_minor FROM wallets w "
      "JOIN accounts av ON av.id = w.available JOIN accounts hd ON hd.id = w.held ORDER BY w.user_id");
  while (c.step()) out.push_back({std::string(c.text(0)), c.amount(1), c.amount(2)});
  return out;
}

std::vector<refusal_count> list_refusals(database& db) {
  std::vector<refusal_count> out;
  auto c = db.query("SELECT kind, count FROM refusals ORDER BY kind");
  while (c.step()) out.push_back({std::string(c.text(0)), c.int64(1)});
  return out;
}

std::vector<balance_summary> list_balance_floors(database& db) {
  struct wallet_history {
    std::string user;
    std::int64_t balance = 0;
    std::int64_t lowest = 0;
  };
  std::map<std::int64_t, wallet_history> by_account;  // the available account of each wallet
  {
    auto c = db.query("SELECT available, user_id FROM wallets ORDER BY user_id");
    while (c.step()) by_account.emplace(c.int64(0), wallet_history{std::string(c.text(1))});
  }
  {
    auto c = db.query("SELECT from_account, to_account, amount_minor FROM ledger_entries ORDER BY id");
    while (c.step()) {
      const std::int64_t amount = c.int64(2);
      if (auto it = by_account.find(c.int64(0)); it != by_account.end()) {
        it->second.balance -= amount;
        it->second.lowest = std::min(it->second.lowest, it->second.balance);
      }
      if (auto it = by_account.find(c.int64(1)); it != by_account.end()) it->second.balance += amount;
    }
  }
  std::vector<balance_summary> out;
  for (const auto& [account, w] : by_account) out.push_back({w.user, money{w.lowest}, money{0}});
  std::sort(out.begin(), out.end(), [](const balance_summary& a, const balance_summary& b) { return a.user < b.user; });
  return out;
}

std::vector<hold_change> list_hold_changes(database& db) {
  std::vector<std::int64_t> holds;  // the hold accounts, sorted
  {
    auto c = db.query("SELECT held FROM wallets ORDER BY held");
    while (c.step()) holds.push_back(c.int64(0));
  }
  const auto is_hold = [&](std::int64_t a) { return std::binary_search(holds.begin(), holds.end(), a); };
  std::vector<hold_change> out;
  auto c = db.query("SELECT from_account, to_account, amount_minor, at_us FROM ledger_entries ORDER BY id");
  while (c.step()) {
    const std::int64_t delta = (is_hold(c.int64(1)) ? c.int64(2) : 0) - (is_hold(c.int64(0)) ? c.int64(2) : 0);
    if (delta != 0) out.push_back({c.int64(3), delta});
  }
  return out;
}

std::optional<std::uint64_t> session_made_by(database& db, std::string_view user, std::string_view key) {
  if (key.empty()) return std::nullopt;
  auto c = db.query("SELECT status, body FROM idempotency_keys WHERE user_id = ?1 AND idem_key = ?2", user, key);
  if (!c.step() || c.int64(0) != 201) return std::nullopt;
  auto started = api::parse_session_started(c.text(1));
  if (!started || started->session == 0) return std::nullopt;
  return started->session;
}

ledger_totals read_totals(database& db) { return ledger(db).totals(); }

}  // namespace pilesim::server
