// The envelope of every sealed token, which a relaying phone may read: version, kind, pile id and session id,
// in that order, then the kind's own fields, then a MAC of mac_len bytes that only the pile and the server can
// check (contract/seal.hpp). Reading an envelope proves nothing: the receiver still opens the token with its
// key and refuses one whose envelope lied. Nothing here may need a key or link libsodium.
#pragma once

#include "sim/bytes.hpp"
#include "sim/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pilesim::contract {

inline constexpr std::uint8_t envelope_version = 2;  // 1 had fixed 8-byte integers and a 32-byte MAC
enum class token_kind : std::uint8_t { authorization = 1, bill = 2, receipt = 3, start_ack = 4 };
inline constexpr std::size_t pile_id_len_max = 32;
inline constexpr std::size_t mac_len = 16;
// No token is shorter: version, kind and the pile id's length byte, then the MAC.
inline constexpr std::size_t token_len_min = 3 + mac_len;

struct envelope_ids {
  std::string pile_id;
  std::uint64_t session_id = 0;
};

// Writes version, kind, pile id (length byte + bytes) and session id (varint); the kind's fields follow.
void write_envelope(byte_writer& w, token_kind kind, std::string_view pile_id, std::uint64_t session_id);
// Reads an envelope from the start of a token's body and leaves `r` at the kind's first field. Version and kind
// are passed over for the caller to judge; an empty or oversize pile id or a bad session id fails `r`.
envelope_ids read_envelope(byte_reader& r);

// Reads the pile id of a sealed token without trusting it, so a receiver can pick the key to check the MAC with.
result<std::string> peek_pile_id(std::span<const std::uint8_t> sealed);
// Reads the session id of a sealed token without trusting it, so a relaying phone can name the session a bill
// belongs to in the upload's path. The server still opens the token and refuses a path that disagrees.
result<std::uint64_t> peek_session_id(std::span<const std::uint8_t> sealed);

}  // namespace pilesim::contract
