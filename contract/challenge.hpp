// The pile's challenge: a nonce the pile hands out in its hello reply, that the phone passes to the server with
// a start request and the server seals into the authorization. Only the type lives here (a phone holds and
// relays it); how a pile makes one is contract/keys.hpp's derive_challenge. It must never grow an operation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pilesim {

inline constexpr std::size_t challenge_len = 16;
using challenge = std::array<std::uint8_t, challenge_len>;

}  // namespace pilesim
