// The pile's BLE protocol as a real phone app knows it (its GATT "characteristic" messages).
// A message is a frame [type u8][seq u16][len u16][payload len bytes][crc32 u32 over all before it];
// frames are cut into link packets of at most MTU-3 bytes by fragment.hpp. Decoding trusts nothing:
// every length, count and enum is checked, and garbage gives an error value, never a crash.
#pragma once

#include "contract/challenge.hpp"
#include "contract/key32.hpp"
#include "contract/stop_reason.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace pilesim::protocol {

inline constexpr std::size_t payload_len_max = 1024;  // no message needs more; anything longer is refused
inline constexpr std::size_t token_len_max = 512;     // sealed tokens relayed inside messages
inline constexpr std::size_t text_len_max = 32;       // agent and pile ids inside messages
// The largest frame on the wire: [type u8][seq u16][len u16] + payload + [crc32 u32]. Sizes reassemblers.
inline constexpr std::size_t frame_len_max = 5 + payload_len_max + 4;

// Why the pile answered a request the way it did. Stable numbers: they appear in traces.
enum class status : std::uint8_t {
  ok = 0,
  bad_mac = 1,          // the relayed token failed its MAC: forged or altered
  wrong_pile = 2,
  expired = 3,
  replayed = 4,         // counter not above the last accepted one
  busy = 5,             // another session is active on this pile
  store_full = 6,       // the bill store is full: no new session until bills are uploaded
  not_plugged = 7,
  no_session = 8,       // stop for a session that is not the active one
  bad_stop_secret = 9,  // stop not from the session's phone
  unknown_bill = 10,    // receipt for a bill the pile does not hold (already forgotten: harmless)
  malformed = 11,
  faulted = 12,
};
std::string_view to_string(status s);

enum class pile_state : std::uint8_t { idle = 0, authorized = 1, charging = 2, finishing = 3, faulted = 4 };
std::string_view to_string(pile_state s);

// Requests, phone -> pile.
struct hello { std::string agent_id; };                          // first message after connecting
struct start_request { bytes authorization; };                   // sealed start_authorization
struct stop_request { std::uint64_t session_id = 0; key32 stop_secret{}; };
struct bill_request {};                                          // "give me your oldest pending bill"
struct receipt_request { bytes receipt; };                       // sealed receipt: the pile may forget the bill

// Responses, pile -> phone (same seq as the request).
struct hello_reply {
  std::string pile_id;
  pile_state state = pile_state::idle;
  std::uint16_t pending_bills = 0;
  std::uint64_t active_session = 0;  // 0: none
  // A fresh nonce for a start: the phone passes it to the server, which seals it into the authorization; the
  // pile accepts that authorization only for a challenge it issued, within the ttl on its own timer. All zero
  // from a pile without power (it issues none).
  pilesim::challenge challenge{};
};
struct start_reply {
  status result = status::ok;
  std::uint64_t session_id = 0;
  std::int64_t meter_start_wh = 0;
  bytes ack;                         // sealed start_ack when result == ok, else empty
};
struct stop_reply { status result = status::ok; std::uint64_t session_id = 0; };
struct bill_reply {
  std::uint16_t pending_bills = 0;   // including the one returned
  bytes bill;                        // sealed bill of the oldest pending one; empty when none
};
struct receipt_reply { status result = status::ok; std::uint64_t session_id = 0; std::uint16_t pending_bills = 0; };

// Notification, pile -> phone, unsolicited (seq counts the pile's notifications). Sent as an indication: the pile
// repeats it on that connection until the phone confirms it, so a lost one is not lost for good.
struct session_ended { std::uint64_t session_id = 0; stop_reason reason = stop_reason::user; };
// Confirmation, phone -> pile, of the session_ended with the same seq; it is answered by nothing.
struct session_ended_confirm { std::uint64_t session_id = 0; };

using message = std::variant<hello, start_request, stop_request, bill_request, receipt_request, session_ended_confirm,
                             hello_reply, start_reply, stop_reply, bill_reply, receipt_reply, session_ended>;

// Wire type numbers; phone -> pile (requests, confirmations) < 0x80 <= pile -> phone (replies, notifications).
enum class type : std::uint8_t {
  hello = 0x01, start = 0x02, stop = 0x03, bill = 0x04, receipt = 0x05, session_ended_confirm = 0x06,
  hello_reply = 0x81, start_reply = 0x82, stop_reply = 0x83, bill_reply = 0x84, receipt_reply = 0x85,
  session_ended = 0xC1,
};

struct frame {
  std::uint16_t seq = 0;
  message body;
};

type type_of(const message& m);
std::string_view name_of(const message& m);

bytes encode(const frame& f);
// Strict: truncated, bad_length (len above payload_len_max or not matching), bad_checksum, bad_field (unknown
// type or enum, oversize string or token), trailing_bytes.
result<frame> decode(std::span<const std::uint8_t> wire);

}  // namespace pilesim::protocol
