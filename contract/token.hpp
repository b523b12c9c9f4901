// The messages that server and pile exchange end to end through the untrusted phone: a start authorization
// (server -> pile), a bill (pile -> server), a start acknowledgement (pile -> server) and a receipt
// (server -> pile), each MACed with the pile's key. The phone relays them as opaque bytes and can forge none
// of them.
// Format: version (1 byte, now 2), kind (1 byte), pile id (length byte + bytes), the session id, then the kind's
// fields in declaration order below, then the MAC. Integers are varints (sim/bytes.hpp: unsigned LEB128,
// signed ones zigzag-mapped), the bill's reason is one byte, strings are length-prefixed, the stop digest is
// its 32 raw bytes. The MAC is keyed BLAKE2b with a 16-byte output (libsodium's crypto_generichash, outlen
// crypto_generichash_BYTES_MIN, keyed with the pile's 32-byte key) over everything before it.
// Every value has exactly one encoding (the shortest varint), so equal tokens are equal bytes.
// Opening a token checks the MAC before decoding anything else; policy (expiry, counters) is the receiver's.
#pragma once

#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "contract/money.hpp"
#include "contract/pricing.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pilesim {

inline constexpr std::size_t pile_id_len_max = 32;
inline constexpr std::size_t vehicle_id_len_max = 32;

using key32 = std::array<std::uint8_t, 32>;

// The per-pile secret shared by the server and that pile only. Derived from the run's seed so that runs
// are reproducible; a real deployment would provision it at manufacture.
key32 derive_pile_key(std::uint64_t seed, std::string_view pile_id);
// The secret the server gives the starting phone so that only it can stop the session.
key32 derive_stop_secret(std::uint64_t seed, std::uint64_t session_id);
// A user's bearer token for the server (32 lowercase hex digits), derived like every other secret so that
// runs are reproducible; `pilesim serve` prints the ones it provisions.
std::string derive_user_token(std::uint64_t seed, std::string_view user);
// What the pile keeps to check a stop secret: BLAKE2b-256 of it.
key32 stop_digest(const key32& stop_secret);

enum class stop_reason : std::uint8_t { user = 1, cap = 2, full = 3, unplug = 4, power_loss = 5, fault = 6 };
std::string_view to_string(stop_reason r);
result<stop_reason> parse_stop_reason(std::string_view s);

struct start_authorization {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t counter = 0;        // per pile, strictly rising; the pile refuses anything not above its last
  std::int64_t issued_at_us = 0;    // server clock
  std::int64_t expires_at_us = 0;   // the pile refuses it after this instant on its own clock
  money frozen;                     // the cap: the pile never delivers energy costing more
  tariff_rate rate;                 // the tariff the server will reprice with
  std::string vehicle_id;
  key32 stop_digest{};              // stop_digest(stop secret of this session)
};

struct bill {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t counter = 0;        // the pile's bill counter, strictly rising per pile
  std::int64_t meter_start_wh = 0;  // the pile's monotonic register at start and stop
  std::int64_t meter_stop_wh = 0;
  std::int64_t started_at_us = 0;   // pile clock
  std::int64_t stopped_at_us = 0;
  money cost;                       // session_cost(meter_stop_wh - meter_start_wh, rate)
  stop_reason reason = stop_reason::user;

  std::int64_t energy_wh() const { return meter_stop_wh - meter_start_wh; }
};

// The pile's signed word that it accepted an authorization and started: lets the server keep the hold
// past the authorization's expiry (a session that never started has its hold released).
struct start_ack {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t counter = 0;        // the authorization's counter
  std::int64_t meter_start_wh = 0;
  std::int64_t started_at_us = 0;   // pile clock
};

struct receipt {
  std::uint64_t session_id = 0;
  std::string pile_id;
  std::uint64_t bill_counter = 0;
  money charged;
};

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

// Reads the pile id of a sealed token without trusting it, so a receiver can pick the key to check the MAC with.
result<std::string> peek_pile_id(std::span<const std::uint8_t> sealed);
// Reads the session id of a sealed token without trusting it, so a relaying phone can name the session a bill
// belongs to in the upload's path. The server still opens the token and refuses a path that disagrees.
result<std::uint64_t> peek_session_id(std::span<const std::uint8_t> sealed);

}  // namespace pilesim
