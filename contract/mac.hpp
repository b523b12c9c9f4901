// The MAC that closes every sealed token: keyed BLAKE2b with a mac_len-byte output over everything before it.
// Private to contract/ (seal.cpp is its one user): no other folder computes or checks a token's MAC.
// Checking is constant-time; it never says how much of a wrong MAC was right.
#pragma once

#include "contract/envelope.hpp"
#include "contract/key32.hpp"
#include "sim/bytes.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace pilesim::contract {

std::array<std::uint8_t, mac_len> mac_of(std::span<const std::uint8_t> data, const key32& key);
// Appends the MAC of everything in `b` so far.
void append_mac(bytes& b, const key32& key);
// True when `mac` is the MAC of `data` under `key`.
bool mac_matches(std::span<const std::uint8_t> data, std::span<const std::uint8_t, mac_len> mac, const key32& key);

}  // namespace pilesim::contract
