// The secrets of a run and how they are derived: each pile's key (server and that pile only), each session's
// stop secret (server and the starting phone) with the digest the pile keeps of it, and each user's bearer
// token. Derived from the run's seed with BLAKE2b so that runs are reproducible; a real deployment would
// provision them. Only pile, server and the world that provisions them may include this: never a phone.
#pragma once

#include "contract/challenge.hpp"
#include "contract/key32.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace pilesim::contract {

// The per-pile secret shared by the server and that pile only.
key32 derive_pile_key(std::uint64_t seed, std::string_view pile_id);
// The secret the server gives the starting phone so that only it can stop the session.
key32 derive_stop_secret(std::uint64_t seed, std::uint64_t session_id);
// A user's bearer token for the server (32 lowercase hex digits); `pilesim serve` prints the ones it provisions.
std::string derive_user_token(std::uint64_t seed, std::string_view user);
// What the pile keeps to check a stop secret: BLAKE2b-256 of it.
key32 stop_digest(const key32& stop_secret);
// The pile's `seq`-th challenge of its `boot`-th power-up: keyed BLAKE2b with the pile's key, so no phone can
// predict the next one, and (boot, seq) never repeats, so no two challenges of one pile are equal.
challenge derive_challenge(const key32& pile_key, std::uint64_t boot, std::uint64_t seq);
// True when `stop_secret` is the one whose digest is `digest`; compared in constant time.
bool stop_secret_matches(const key32& stop_secret, const key32& digest);

}  // namespace pilesim::contract
