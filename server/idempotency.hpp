// Internal to server/: the first answer to each (user, Idempotency-Key), so that a repeated request gets the
// same bytes back instead of acting twice. A stored answer is bound to a fingerprint of the request it answered.
// This unit only stores and finds answers and never judges them: the service decides what a mismatch means.
#pragma once

#include "server/api/http.hpp"
#include "server/database.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pilesim::server {

// BLAKE2b-128 over method, target and body: the parts of a request that decide what it does.
using fingerprint = std::array<std::uint8_t, 16>;
fingerprint fingerprint_of(const http::request& req);

struct stored_answer {
  fingerprint of{};
  http::response answer;
};

std::optional<stored_answer> find_answer(database& db, std::string_view user, std::string_view key);
void store_answer(database& db, std::string_view user, std::string_view key, const fingerprint& of,
                  const http::response& answer, std::int64_t at_us);
// Forgets answers stored before `before_us`; retries never come that late.
void purge_answers(database& db, std::int64_t before_us);

}  // namespace pilesim::server
