// The secrets `pilesim serve` provisions: each pile's MAC key, each user's bearer token, and the server secret
// behind every stop secret. They come from real randomness (libsodium's randombytes) unless deterministic keys
// are asked for, which derive them from the scenario's seed exactly as a simulation does: anyone with the file
// can then compute them, which is only for tests. Never used by the simulation libraries.
#pragma once

#include "contract/key32.hpp"
#include "sim/error.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pilesim::tools {

class key_source {
 public:
  static key_source random();
  static key_source from_seed(std::uint64_t seed);

  bool deterministic() const { return deterministic_; }
  key32 pile_key(std::string_view pile) const;
  // 64 lowercase hex digits (256 random bits); derive_user_token's 32 when deterministic.
  std::string user_token(std::string_view user) const;
  // Empty when deterministic: the service then derives stop secrets from the seed, as in a simulation.
  std::optional<key32> server_secret() const;

 private:
  bool deterministic_ = false;
  std::uint64_t seed_ = 0;
};

std::string to_hex(std::span<const std::uint8_t> bytes);

// The keys in force, for the piles and clients to be configured with.
struct provisioned_keys {
  std::vector<std::pair<std::string, key32>> piles;         // in the scenario's order
  std::vector<std::pair<std::string, std::string>> users;  // id, bearer token
};

// {"piles": {"P1": "<64 hex>"}, "users": {"alice": "<token>"}}, created readable by its owner only (0600).
// errc::bad_value when the file cannot be written.
result<void> write_keys_file(const std::string& path, const provisioned_keys& keys);

}  // namespace pilesim::tools
