// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) that closes every BLE frame of the pile protocol.
// It detects corruption on the link; it is not a defence against anyone: authenticity comes from the MACs
// of contract/seal.hpp. Never use it where an attacker chooses the bytes and the outcome matters.
#pragma once

#include <cstdint>
#include <span>

namespace pilesim::protocol {

// CRC-32 of `data` (initial value and final xor 0xFFFFFFFF): crc32("123456789") == 0xCBF43926.
std::uint32_t crc32(std::span<const std::uint8_t> data) noexcept;

}  // namespace pilesim::protocol
