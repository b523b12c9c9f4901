#include "server/ledger.hpp"

#include <algorithm>
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

// The audit reads each table once, in key order, and adds up in C++: the same checks as SQL's GROUP BY over a
// UNION ALL of both legs, whose sorters over the whole ledger cost more than the rest of the end-of-run report.
std::vector<std::string> ledger::audit() {
  struct account_books {
    std::int64_t id;
    std::string name;
    std::int64_t balance;
    std::int64_t entries = 0;       // sum of the entries into it minus those out of it
    std::int64_t deposited = 0;     // kind 'deposit', into it
    std::int64_t captured = 0;      // kind 'capture', out of it
    std::int64_t fees = 0;          // kind 'fee', out of it
  };
  // SQLite's SUM fails on overflow rather than wrap; so does this.
  const auto add = [](std::int64_t& total, std::int64_t v) {
    if (__builtin_add_overflow(total, v, &total)) throw database_error("ledger: audit: integer overflow");
  };

  std::vector<account_books> accounts;
  {
    auto c = db_.query("SELECT id, name, balance_minor FROM accounts ORDER BY id");
    while (c.step()) accounts.push_back({c.int64(0), std::string(c.text(1)), c.int64(2)});
  }
  // Ids are ascending and, in practice, dense from 1: try the id's own slot before searching. An entry or wallet
  // naming no account is left out, as the SQL's joins left it out.
  const auto find = [&](std::int64_t id) -> account_books* {
    if (id >= 1 && static_cast<std::uint64_t>(id) <= accounts.size() && accounts[id - 1].id == id)
      return &accounts[id - 1];
    const auto it = std::lower_bound(accounts.begin(), accounts.end(), id,
                                     [](const account_books& a, std::int64_t v) { return a.id < v; });
    return it != accounts.end() && it->id == id ? &*it : nullptr;
  };
  {
    auto c = db_.query("SELECT kind, from_account, to_account, amount_minor FROM ledger_entries ORDER BY id");
    while (c.step()) {
      const std::string_view kind = c.text(0);
      account_books* from = find(c.int64(1));
      account_books* to = find(c.int64(2));
      const std::int64_t amount = c.int64(3);
      if (from) add(from->entries, -amount);
      if (to) add(to->entries, amount);
      if (kind == "deposit" && to) add(to->deposited, amount);
      if (kind == "capture" && from) add(from->captured, amount);
      if (kind == "fee" && from) add(from->fees, amount);
    }
  }

  std::vector<std::string> problems;
  std::int64_t sum = 0;
  for (const account_books& a : accounts) {
    if (a.balance != a.entries)
      problems.push_back("account " + a.name + " has balance " + format_money(money{a.balance}) +
                         " but its entries sum to " + format_money(money{a.entries}));
    add(sum, a.balance);
  }
  if (sum != 0) problems.push_back("accounts sum to " + format_money(money{sum}) + ", not zero");
  {
    auto c = db_.query("SELECT user_id, available, held FROM wallets ORDER BY user_id");
    while (c.step()) {
      const account_books* av = find(c.int64(1));
      const account_books* hd = find(c.int64(2));
      if (!av || !hd) continue;
      const money available{av->balance}, held{hd->balance};
      const money deposits{av->deposited}, captured{hd->captured}, fees{av->fees};
      if (available + held != deposits - captured - fees)
        problems.push_back("user " + std::string(c.text(0)) + ": available " + format_money(available) + " + held " +
                           format_money(held) + " != deposits " + format_money(deposits) + " - captured " +
                           format_money(captured) + " - fees " + format_money(fees));
    }
  }
  return problems;
}

}  // namespace pilesim::server
