#include "server/ledger.hpp"

#include <optional>

namespace pilesim::server {
namespace {

// Accounts 1 and 2 are fixed by schema.sql.
constexpr std::int64_t external_account = 1;
constexpr std::int64_t revenue_account = 2;

using side = ledger::side;

using wallet_accounts = ledger::wallet_accounts;

std::int64_t account_of(side s, const wallet_accounts& w) {
  switch (s) {
    case side::external: return external_account;
    case side::wallet: return w.available;
    case side::hold: return w.held;
    case side::revenue: return revenue_account;
  }
  return 0;
}

std::optional<std::int64_t> ref_or_null(std::uint64_t id) {
  if (id == 0) return std::nullopt;
  return static_cast<std::int64_t>(id);
}

// One entry; the trigger in schema.sql posts both legs to the account balances in the same statement.
// (Resolving the accounts inside an INSERT ... SELECT was measured slower than this separate lookup.)
void move(database& db, std::string_view kind, const wallet_accounts& w, side from, side to, money amount,
          std::int64_t at_us, transfer_ref ref) {
  db.run(
      "INSERT INTO ledger_entries (kind, from_account, to_account, amount_minor, session_id, reservation_id, at_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      kind, account_of(from, w), account_of(to, w), amount, ref_or_null(ref.session), ref_or_null(ref.reservation),
      at_us);
}

}  // namespace

const ledger::wallet_accounts& ledger::accounts_of(std::string_view user) {
  if (wallets_rollbacks_ != db_.rollbacks()) {
    wallets_.clear();
    wallets_rollbacks_ = db_.rollbacks();
  }
  if (auto it = wallets_.find(user); it != wallets_.end()) return it->second;
  auto c = db_.query("SELECT available, held FROM wallets WHERE user_id = ?1", user);
  if (!c.step()) throw database_error("ledger: no wallet for user '" + std::string(user) + "'");
  return wallets_.emplace(std::string(user), wallet_accounts{c.int64(0), c.int64(1)}).first->second;
}

money ledger::balance_of_account(std::int64_t account) {
  auto c = db_.query("SELECT balance_minor FROM accounts WHERE id = ?1", account);
  if (!c.step()) throw database_error("ledger: no account " + std::to_string(account));
  return c.amount(0);
}

result<void> ledger::open_wallet(std::string_view user) {
  {
    auto c = db_.query("SELECT 1 FROM wallets WHERE user_id = ?1", user);
    if (c.step()) return errc::bad_value;
  }
  db_.run("INSERT INTO accounts (name) VALUES ('wallet:' || ?1)", user);
  const std::int64_t available = db_.last_insert_id();
  db_.run("INSERT INTO accounts (name) VALUES ('hold:' || ?1)", user);
  const std::int64_t held = db_.last_insert_id();
  db_.run("INSERT INTO wallets (user_id, available, held) VALUES (?1, ?2, ?3)", user, available, held);
  return {};
}

void ledger::movement(std::string_view kind, std::string_view user, side from, side to, money amount,
                      std::int64_t at_us, transfer_ref ref) {
  if (amount.minor == 0) return;
  // Outside a transaction a crash between two movements of one request would leave half a settlement.
  if (!db_.in_transaction()) throw database_error("ledger: movement outside a transaction");
  move(db_, kind, accounts_of(user), from, to, amount, at_us, ref);
}

void ledger::deposit(std::string_view user, money amount, std::int64_t at_us) {
  movement("deposit", user, side::external, side::wallet, amount, at_us, {});
}

void ledger::hold(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref) {
  movement("hold", user, side::wallet, side::hold, amount, at_us, ref);
}

void ledger::release(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref) {
  movement("release", user, side::hold, side::wallet, amount, at_us, ref);
}

void ledger::capture(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref) {
  movement("capture", user, side::hold, side::revenue, amount, at_us, ref);
}

void ledger::charge_fee(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref) {
  movement("fee", user, side::wallet, side::revenue, amount, at_us, ref);
}

money ledger::available(std::string_view user) { return balance_of_account(accounts_of(user).available); }

money ledger::held(std::string_view user) { return balance_of_account(accounts_of(user).held); }

ledger_totals ledger::totals() {
  auto c = db_.query(
      "SELECT (SELECT -balance_minor FROM accounts WHERE id = 1), "
      "       (SELECT COALESCE(SUM(a.balance_minor), 0) FROM wallets w JOIN accounts a ON a.id = w.available), "
      "       (SELECT COALESCE(SUM(a.balance_minor), 0) FROM wallets w JOIN accounts a ON a.id = w.held), "
      "       (SELECT balance_minor FROM accounts WHERE id = 2)");
  c.step();
  return {c.amount(0), c.amount(1), c.amount(2), c.amount(3)};
}

std::vector<std::string> ledger::audit() {
  std::vector<std::string> problems;
  {
    auto c = db_.query(
        "WITH sums (account, total) AS ("
        "  SELECT account, SUM(delta) FROM ("
        "    SELECT to_account AS account, amount_minor AS delta FROM ledger_entries"
        "    UNION ALL SELECT from_account, -amount_minor FROM ledger_entries)"
        "  GROUP BY account)"
        "SELECT a.name, a.balance_minor, COALESCE(s.total, 0) FROM accounts a LEFT JOIN sums s ON s.account = a.id "
        "ORDER BY a.id");
    while (c.step()) {
      if (c.int64(1) != c.int64(2))
        problems.push_back("account " + std::string(c.text(0)) + " has balance " + format_money(c.amount(1)) +
                           " but its entries sum to " + format_money(c.amount(2)));
    }
  }
  {
    auto c = db_.query("SELECT COALESCE(SUM(balance_minor), 0) FROM accounts");
    c.step();
    if (c.int64(0) != 0) problems.push_back("accounts sum to " + format_money(c.amount(0)) + ", not zero");
  }
  {
    auto c = db_.query(
        "WITH flows AS MATERIALIZED ("
        "  SELECT kind, from_account, to_account, SUM(amount_minor) AS total FROM ledger_entries"
        "  GROUP BY kind, from_account, to_account)"
        "SELECT w.user_id, av.balance_minor, hd.balance_minor,"
        "  COALESCE((SELECT SUM(total) FROM flows WHERE kind = 'deposit' AND to_account = w.available), 0),"
        "  COALESCE((SELECT SUM(total) FROM flows WHERE kind = 'capture' AND from_account = w.held), 0),"
        "  COALESCE((SELECT SUM(total) FROM flows WHERE kind = 'fee' AND from_account = w.available), 0) "
        "FROM wallets w JOIN accounts av ON av.id = w.available JOIN accounts hd ON hd.id = w.held "
        "ORDER BY w.user_id");
    while (c.step()) {
      const money available = c.amount(1), held = c.amount(2);
      const money deposits = c.amount(3), captured = c.amount(4), fees = c.amount(5);
      if (available + held != deposits - captured - fees)
        problems.push_back("user " + std::string(c.text(0)) + ": available " + format_money(available) + " + held " +
                           format_money(held) + " != deposits " + format_money(deposits) + " - captured " +
                           format_money(captured) + " - fees " + format_money(fees));
    }
  }
  return problems;
}

}  // namespace pilesim::server
