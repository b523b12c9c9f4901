// Internal to server/: the rows of the tables the request handlers work on, and their loaders.
// Loaders only read; every write stays in the handler that owns the state change, next to its reasons.
#pragma once

#include "contract/key32.hpp"
#include "contract/money.hpp"
#include "contract/pricing.hpp"
#include "server/database.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pilesim::server {

struct pile_row {
  std::string id;
  key32 key{};
  contract::tariff_rate rate;
  money no_show_fee;
  std::int64_t reservation_hold_us = 0;
  std::int64_t authorization_ttl_us = 0;
  std::uint64_t last_counter = 0;
};

struct reservation_row {
  std::uint64_t id = 0;
  std::string user;
  std::string pile;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::string state;  // open | used | expired | cancelled
};

struct session_row {
  std::uint64_t id = 0;
  std::string user;
  std::string pile;
  std::string vehicle_id;
  contract::tariff_rate rate;
  money frozen;
  money held;
  std::string state;  // authorized | started | reconciled | expired
  std::uint64_t counter = 0;
  std::int64_t energy_wh = 0;
  money charged;
  money refunded;
  std::string stop_reason;
  std::int64_t reconciled_at_us = 0;
};

std::optional<pile_row> load_pile(database& db, std::string_view id);
std::optional<reservation_row> load_reservation(database& db, std::uint64_t id);
std::optional<session_row> load_session(database& db, std::uint64_t id);

// Pile rows by id, each read once: a pile's key, tariff and limits never change after add_pile, and its
// last_counter changes only in create_session, which records the new value here in the same transaction.
// Only a cache: it is dropped whenever a transaction rolls back (see database::rollbacks), so a counter
// recorded by a request that did not commit never outlives it, and it is lost with the service in a crash.
class pile_cache {
 public:
  explicit pile_cache(database& db) : db_(db) {}

  // The pile's row, or nullptr for an unknown pile (not remembered: it may be added later). The pointer stays
  // valid for the rest of the transaction.
  const pile_row* find(std::string_view id);
  // Records a last_counter just written to the pile's row, in the transaction that is still open.
  void set_last_counter(std::string_view id, std::uint64_t counter);

 private:
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  database& db_;
  // Looked up by id, never iterated.
  std::unordered_map<std::string, pile_row, text_hash, std::equal_to<>> rows_;
  std::uint64_t rollbacks_ = 0;
};

}  // namespace pilesim::server
