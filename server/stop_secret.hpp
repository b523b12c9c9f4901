// The secret that lets only the starting phone stop its session: the server hands it out once, in the start's
// answer, and seals only its digest into the pile's authorization. Derived, never stored, so a restart loses
// nothing. Reads no clock and draws no randomness: where the server secret comes from is the caller's choice.
#pragma once

#include "contract/key32.hpp"
#include "server/service.hpp"

#include <cstdint>

namespace pilesim::server {

// Without a server secret (every simulation): contract::derive_stop_secret(seed, session_id), reproducible from
// the scenario file. With one (`pilesim serve`): keyed BLAKE2b-256 of "pilesim/stop-key" and the session id
// (8 bytes, little endian) under the server secret, so that knowing the scenario file tells nothing about it.
key32 stop_secret_for(const service_config& config, std::uint64_t session_id);

}  // namespace pilesim::server
