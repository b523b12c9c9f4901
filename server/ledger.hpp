// The double-entry wallet ledger over the server's SQLite store. Each user has two accounts, `wallet:<user>`
// (available) and `hold:<user>` (frozen for sessions); money enters from `external:deposits` and leaves into
// `operator:revenue`. Every movement is one append-only entry moving an amount from one account to another, so
// money is never created or lost. It must be used inside a transaction and never decides policy (who may pay).
#pragma once

#include "contract/money.hpp"
#include "server/database.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::server {

// What a movement was for; 0 means none. Kept on the entry so that a session's money can be traced.
struct transfer_ref {
  std::uint64_t session = 0;
  std::uint64_t reservation = 0;
};

struct ledger_totals {
  money deposits;   // everything that ever came in from outside
  money balances;   // Σ available over users
  money held;       // Σ held over users
  money revenue;    // the operator's: captured session costs and fees

  bool conserved() const { return balances + held + revenue == deposits; }
};

class ledger {
 public:
  explicit ledger(database& db) : db_(db) {}

  // Creates the user's two accounts. errc::bad_value when the user has a wallet already.
  result<void> open_wallet(std::string_view user);

  // Each movement is a no-op for a zero amount; a negative amount is a bug and throws database_error (CHECK).
  void deposit(std::string_view user, money amount, std::int64_t at_us);             // external -> wallet
  void hold(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref);     // wallet -> hold
  void release(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref);  // hold -> wallet
  void capture(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref);  // hold -> revenue
  void charge_fee(std::string_view user, money amount, std::int64_t at_us, transfer_ref ref);  // wallet -> revenue

  money available(std::string_view user);
  money held(std::string_view user);
  ledger_totals totals();

  // Checks the books from scratch: each account's balance equals its entries, all accounts sum to zero, and for
  // every user available + held = deposits - captured - fees. Returns one line per violation; empty when sound.
  std::vector<std::string> audit();

  // A user's two account ids.
  struct wallet_accounts {
    std::int64_t available = 0;
    std::int64_t held = 0;
  };
  // The four places money can be, as seen from one user's books.
  enum class side : std::uint8_t { external, wallet, hold, revenue };

 private:
  // The wallet's account ids, read once per user: a wallet row never changes once committed. Throws
  // database_error when the user has no wallet.
  const wallet_accounts& accounts_of(std::string_view user);
  money balance_of_account(std::int64_t account);
  // One entry between two sides (see ledger.cpp) of the user's books; a no-op for a zero amount.
  void movement(std::string_view kind, std::string_view user, side from, side to, money amount, std::int64_t at_us,
                transfer_ref ref);

  database& db_;
  // Only a cache of committed rows: dropped whenever a transaction rolls back (see database::rollbacks), and
  // lost with the service in a crash. Looked up by user, never iterated.
  std::map<std::string, wallet_accounts, std::less<>> wallets_;
  std::uint64_t wallets_rollbacks_ = 0;
};

}  // namespace pilesim::server
