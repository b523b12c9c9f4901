// The pile's BLE wire format: every message round-trips, and garbage of every kind is refused without a crash.
#include "pile/protocol/crc32.hpp"
#include "pile/protocol/messages.hpp"

#include <doctest/doctest.h>

#include <string_view>
#include <vector>

using namespace pilesim;
using namespace pilesim::protocol;

namespace {

bytes pattern(std::size_t n, std::uint8_t seed) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 37);
  return b;
}

key32 key_pattern(std::uint8_t seed) {
  key32 k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed ^ (i * 11));
  return k;
}

// One frame of every message type, with fields away from zero so that a dropped field shows.
std::vector<frame> samples() {
  return {
      {1, hello{"alice-phone"}},
      {2, start_request{pattern(180, 3)}},
      {3, stop_request{0x0102030405060708ULL, key_pattern(9)}},
      {4, bill_request{}},
      {5, receipt_request{pattern(token_len_max, 7)}},
      {0xFFFE, session_ended_confirm{0x0102030405060708ULL}},
      {0x8001, hello_reply{"P1", pile_state::charging, 3, 77, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}},
      {0x8002, start_reply{status::ok, 77, 123456, pattern(100, 1)}},
      {0x8003, start_reply{status::replayed, 0, 0, {}}},
      {0x8004, stop_reply{status::bad_stop_secret, 77}},
      {0x8005, bill_reply{2, pattern(140, 5)}},
      {0x8006, bill_reply{0, {}}},
      {0x8007, receipt_reply{status::unknown_bill, 77, 1}},
      {0xFFFF, session_ended{77, stop_reason::power_loss}},
      {0, hello{std::string(text_len_max, 'x')}},
  };
}

// Field-by-field equality, so that a field the encoder and decoder both forgot still fails.
bool same(const hello& a, const hello& b) { return a.agent_id == b.agent_id; }
bool same(const start_request& a, const start_request& b) { return a.authorization == b.authorization; }
bool same(const stop_request& a, const stop_request& b) {
  return a.session_id == b.session_id && a.stop_secret == b.stop_secret;
}
bool same(const bill_request&, const bill_request&) { return true; }
bool same(const receipt_request& a, const receipt_request& b) { return a.receipt == b.receipt; }
bool same(const session_ended_confirm& a, const session_ended_confirm& b) { return a.session_id == b.session_id; }
bool same(const hello_reply& a, const hello_reply& b) {
  return a.pile_id == b.pile_id && a.state == b.state && a.pending_bills == b.pending_bills &&
         a.active_session == b.active_session && a.challenge == b.challenge;
}
bool same(const start_reply& a, const start_reply& b) {
  return a.result == b.result && a.session_id == b.session_id && a.meter_start_wh == b.meter_start_wh &&
         a.ack == b.ack;
}
bool same(const stop_reply& a, const stop_reply& b) { return a.result == b.result && a.session_id == b.session_id; }
bool same(const bill_reply& a, const bill_reply& b) { return a.pending_bills == b.pending_bills && a.bill == b.bill; }
bool same(const receipt_reply& a, const receipt_reply& b) {
  return a.result == b.result && a.session_id == b.session_id && a.pending_bills == b.pending_bills;
}
bool same(const session_ended& a, const session_ended& b) {
  return a.session_id == b.session_id && a.reason == b.reason;
}

bool same(const frame& a, const frame& b) {
  if (a.seq != b.seq || a.body.index() != b.body.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return same(x, std::get<T>(b.body));
      },
      a.body);
}

// A frame with a correct header and CRC around an arbitrary payload: reaches the payload decoder.
bytes raw_frame(std::uint8_t t, std::uint16_t seq, const bytes& payload) {
  bytes out;
  byte_writer w(out);
  w.u8(t);
  w.u16(seq);
  w.u16(static_cast<std::uint16_t>(payload.size()));
  w.raw(payload);
  w.u32(crc32(out));
  return out;
}

// Recomputes the trailing CRC after a deliberate change, so the change reaches the decoder's field checks.
void reseal(bytes& wire) {
  const std::size_t n = wire.size() - 4;
  const std::uint32_t c = crc32(std::span<const std::uint8_t>(wire).first(n));
  for (int i = 0; i < 4; ++i) wire[n + i] = static_cast<std::uint8_t>(c >> (8 * i));
}

errc error_of(const result<frame>& r) { return static_cast<errc>(r.error().value()); }

}  // namespace

TEST_SUITE("pile/protocol") {
  TEST_CASE("crc32 matches the IEEE check value") {
    const std::string_view s = "123456789";
    CHECK(crc32(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())) ==
          0xCBF43926u);
    CHECK(crc32({}) == 0u);
  }

  TEST_CASE("every message type round-trips with every field") {
    std::vector<type> seen;
    for (const frame& f : samples()) {
      const bytes wire = encode(f);
      auto back = decode(wire);
      REQUIRE_MESSAGE(back.has_value(), name_of(f.body));
      CHECK_MESSAGE(same(f, *back), name_of(f.body));
      CHECK(type_of(back->body) == type_of(f.body));
      CHECK(wire.size() <= frame_len_max);
      seen.push_back(type_of(f.body));
    }
    for (type t : {type::hello, type::start, type::stop, type::bill, type::receipt, type::session_ended_confirm,
                   type::hello_reply, type::start_reply, type::stop_reply, type::bill_reply, type::receipt_reply, type::session_ended})
      CHECK(std::find(seen.begin(), seen.end(), t) != seen.end());
  }

  TEST_CASE("the wire layout is type, seq, len, payload, crc, little-endian") {
    const bytes wire = encode(frame{0x1234, session_ended{5, stop_reason::cap}});
    REQUIRE(wire.size() == 5 + 9 + 4);
    CHECK(wire[0] == 0xC1);
    CHECK(wire[1] == 0x34);
    CHECK(wire[2] == 0x12);
    CHECK(wire[3] == 9);
    CHECK(wire[4] == 0);
    CHECK(wire[5] == 5);
    CHECK(wire[13] == static_cast<std::uint8_t>(stop_reason::cap));
  }

  TEST_CASE("every truncation of every valid frame is refused") {
    for (const frame& f : samples()) {
      const bytes wire = encode(f);
      for (std::size_t n = 0; n < wire.size(); ++n) {
        auto r = decode(std::span<const std::uint8_t>(wire).first(n));
        CHECK_MESSAGE(!r.has_value(), name_of(f.body), " cut to ", n);
      }
    }
  }

  TEST_CASE("every single bit flip is refused by the checksum") {
    for (const frame& f : samples()) {
      const bytes wire = encode(f);
      for (std::size_t bit = 0; bit < wire.size() * 8; ++bit) {
        bytes bad = wire;
        bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        CHECK_MESSAGE(!decode(bad).has_value(), name_of(f.body), " bit ", bit);
      }
    }
  }

  TEST_CASE("every single bit flip behind a recomputed checksum is refused or decodes to a canonical frame") {
    // With the CRC fixed up, the flip reaches the field checks: the decoder must never crash, and anything it
    // accepts must be exactly what the encoder would write for the decoded value (no two spellings).
    std::size_t refused = 0;
    std::size_t accepted = 0;
    for (const frame& f : samples()) {
      const bytes wire = encode(f);
      for (std::size_t bit = 0; bit < (wire.size() - 4) * 8; ++bit) {
        bytes bad = wire;
        bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        reseal(bad);
        auto r = decode(bad);
        if (!r) {
          ++refused;
          continue;
        }
        ++accepted;
        CHECK(encode(*r) == bad);
      }
    }
    CHECK(refused > 0);   // flips of lengths, types and enums
    CHECK(accepted > 0);  // flips inside integers and opaque tokens
  }

  TEST_CASE("a length field above payload_len_max is refused before anything else") {
    bytes wire = encode(frame{1, bill_request{}});
    wire[3] = static_cast<std::uint8_t>((payload_len_max + 1) & 0xFF);
    wire[4] = static_cast<std::uint8_t>((payload_len_max + 1) >> 8);
    CHECK(error_of(decode(wire)) == errc::bad_length);
    wire[3] = 0xFF;
    wire[4] = 0xFF;
    CHECK(error_of(decode(wire)) == errc::bad_length);
  }

  TEST_CASE("tokens and texts above their limits are refused") {
    bytes token;
    byte_writer w(token);
    w.u16(static_cast<std::uint16_t>(token_len_max + 1));
    w.raw(pattern(token_len_max + 1, 2));
    CHECK(error_of(decode(raw_frame(0x02, 1, token))) == errc::bad_field);
    CHECK(error_of(decode(raw_frame(0x05, 1, token))) == errc::bad_field);

    bytes text;
    byte_writer t(text);
    t.u8(static_cast<std::uint8_t>(text_len_max + 1));
    t.raw(pattern(text_len_max + 1, 4));
    CHECK(error_of(decode(raw_frame(0x01, 1, text))) == errc::bad_field);
  }

  TEST_CASE("unknown types are refused") {
    const std::vector<std::uint8_t> known{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x81, 0x82, 0x83, 0x84, 0x85, 0xC1};
    int refused = 0;
    for (int t = 0; t < 256; ++t) {
      if (std::find(known.begin(), known.end(), t) != known.end()) continue;
      auto r = decode(raw_frame(static_cast<std::uint8_t>(t), 1, {}));
      CHECK(error_of(r) == errc::bad_field);
      ++refused;
    }
    CHECK(refused == 256 - 12);
  }

  TEST_CASE("unknown enum values are refused") {
    // session_ended: stop reasons are 1..6.
    for (std::uint8_t reason : {std::uint8_t{0}, std::uint8_t{7}, std::uint8_t{255}}) {
      bytes p;
      byte_writer w(p);
      w.u64(1);
      w.u8(reason);
      CHECK(error_of(decode(raw_frame(0xC1, 1, p))) == errc::bad_field);
    }
    // stop_reply: status is 0..12.
    bytes p;
    byte_writer w(p);
    w.u8(13);
    w.u64(1);
    CHECK(error_of(decode(raw_frame(0x83, 1, p))) == errc::bad_field);
    // hello_reply: pile state is 0..4.
    bytes h{2, 'P', '1', 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // id "P1", state 5, no bills, no session
    h.resize(h.size() + challenge_len);                       // and a challenge
    CHECK(error_of(decode(raw_frame(0x81, 1, h))) == errc::bad_field);
  }

  TEST_CASE("inconsistent replies are refused") {
    // An ok start reply without its ack, a refusal with one, a bill count that disagrees with the bill.
    CHECK(!decode(raw_frame(0x82, 1, [] {
             bytes p;
             byte_writer w(p);
             w.u8(0); w.u64(1); w.i64(0); w.u16(0);
             return p;
           }())).has_value());
    CHECK(!decode(raw_frame(0x82, 1, [] {
             bytes p;
             byte_writer w(p);
             w.u8(4); w.u64(1); w.i64(0); w.u16(1); w.u8(9);
             return p;
           }())).has_value());
    CHECK(!decode(raw_frame(0x84, 1, [] {
             bytes p;
             byte_writer w(p);
             w.u16(1); w.u16(0);
             return p;
           }())).has_value());
    CHECK(!decode(raw_frame(0x82, 1, [] {
             bytes p;
             byte_writer w(p);
             w.u8(0); w.u64(1); w.i64(-1); w.u16(1); w.u8(9);
             return p;
           }())).has_value());
  }

  TEST_CASE("bytes after the checksum and payloads of the wrong length are refused") {
    bytes wire = encode(frame{9, stop_reply{status::ok, 3}});
    wire.push_back(0);
    CHECK(error_of(decode(wire)) == errc::trailing_bytes);

    bytes longer;
    byte_writer w(longer);
    w.u8(0);
    w.u64(3);
    w.u8(0);  // one byte too many inside the payload
    CHECK(error_of(decode(raw_frame(0x83, 9, longer))) == errc::bad_length);
    CHECK(error_of(decode(raw_frame(0x83, 9, bytes{0, 3, 0}))) == errc::bad_length);
    CHECK(error_of(decode(raw_frame(0x04, 9, bytes{0}))) == errc::bad_length);
  }

  TEST_CASE("the largest tokens fit within the largest payload") {
    const bytes wire = encode(frame{1, start_reply{status::ok, 1, 1, pattern(token_len_max, 8)}});
    CHECK(wire.size() <= frame_len_max);
    CHECK(decode(wire).has_value());
  }

  TEST_CASE("names and type numbers are stable") {
    CHECK(name_of(session_ended{}) == "session_ended");
    CHECK(name_of(start_request{}) == "start");
    CHECK(to_string(status::store_full) == "store_full");
    CHECK(to_string(pile_state::authorized) == "authorized");
    CHECK(static_cast<int>(type_of(receipt_reply{})) == 0x85);
    CHECK(static_cast<int>(type_of(session_ended_confirm{})) == 0x06);
    CHECK(name_of(session_ended_confirm{}) == "session_ended_confirm");
  }
}
