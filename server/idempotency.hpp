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
#include <unordered_set>

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
// Forgets answers stored before `before_us`; retries never come that late. Returns how many it forgot.
std::int64_t purge_answers(database& db, std::int64_t before_us);

// Which (user, key) pairs may have a stored answer, so that the lookup of a key never used (nearly every request)
// is skipped. It may say yes wrongly (a hash collision, an answer rolled back or purged since), which only costs
// the lookup; it never says no wrongly, because it is loaded from the table and told of every answer stored.
// That holds only while this connection is the only writer: on a database another connection can write, it
// always says yes.
class answer_filter {
 public:
  void load(database& db);
  bool may_have(std::string_view user, std::string_view key) const {
    return !enabled_ || seen_.contains(hash_of(user, key));
  }
  void add(std::string_view user, std::string_view key) {
    if (!enabled_) return;
    seen_.insert(hash_of(user, key));
    ++rows_;
  }
  // `count` answers were purged. Their keys stay (a harmless yes) until they are most of the filter; then it is
  // loaded again, so it stays as small as the table at a cost spread over the requests that filled it.
  void purged(database& db, std::int64_t count);

 private:
  static std::uint64_t hash_of(std::string_view user, std::string_view key);
  bool enabled_ = false;
  std::unordered_set<std::uint64_t> seen_;  // looked up, never iterated
  std::int64_t rows_ = 0;                   // the table's rows, as far as this filter was told
};

}  // namespace pilesim::server
