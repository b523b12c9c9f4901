// Internal to server/: the rows of the tables the request handlers work on, and their loaders.
// Loaders only read; every write stays in the handler that owns the state change, next to its reasons.
#pragma once

#include "server/database.hpp"
#include "sim/money.hpp"
#include "sim/pricing.hpp"
#include "sim/token.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pilesim::server {

struct pile_row {
  std::string id;
  key32 key{};
  tariff_rate rate;
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
  tariff_rate rate;
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

}  // namespace pilesim::server
