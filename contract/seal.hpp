// Sealing and opening the tokens of contract/token.hpp with a pile's key: what only the pile and the server
// may do. Format: the envelope (contract/envelope.hpp: version 2, kind, pile id, session id), then the kind's
// fields in declaration order, then the MAC (contract/mac.hpp). Integers are varints (sim/bytes.hpp: unsigned
// LEB128, signed ones zigzag-mapped), the bill's reason is one byte, strings are length-prefixed, the stop
// digest is its 32 raw bytes and the challenge its 16. Every value has exactly one encoding (the shortest
// varint), so equal tokens are equal bytes. Opening checks the MAC before decoding anything else; policy
// (freshness, counters) is the receiver's.
#pragma once

#include "contract/key32.hpp"
#include "contract/token.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"

#include <cstdint>
#include <span>

namespace pilesim::contract {

bytes seal(const start_authorization& a, const key32& key);
bytes seal(const bill& b, const key32& key);
bytes seal(const receipt& r, const key32& key);
bytes seal(const start_ack& s, const key32& key);

// Each checks the MAC first (bad_mac), then decodes strictly (truncated, bad_length, bad_field, trailing_bytes):
// a varint that is not the shortest encoding of its value or overflows 64 bits is bad_field, and so is a value
// outside its field's rules (a negative amount or meter reading, an unknown stop reason, an empty pile id).
result<start_authorization> open_authorization(std::span<const std::uint8_t> sealed, const key32& key);
result<bill> open_bill(std::span<const std::uint8_t> sealed, const key32& key);
result<receipt> open_receipt(std::span<const std::uint8_t> sealed, const key32& key);
result<start_ack> open_start_ack(std::span<const std::uint8_t> sealed, const key32& key);

}  // namespace pilesim::contract
