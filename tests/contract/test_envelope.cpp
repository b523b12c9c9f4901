// The envelope a relaying phone may read: version, kind, pile id, session id, in that order, then the kind's
// fields and the MAC. Every token here is built by hand with no key at all, as a phone would see it: peeking
// needs no secret, trusts nothing, and refuses what no pile or server could have sealed.
#include "contract/envelope.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using namespace pilesim;
using namespace pilesim::contract;

namespace {

// A token as it travels: the envelope, the kind's fields, then mac_len bytes the phone cannot check.
bytes token_of(bytes body) {
  body.resize(body.size() + mac_len, 0xAA);
  return body;
}

bytes envelope_of(token_kind kind, std::string_view pile, std::uint64_t session) {
  bytes b;
  byte_writer w(b);
  write_envelope(w, kind, pile, session);
  return b;
}

}  // namespace

TEST_SUITE("contract/envelope") {
  TEST_CASE("the envelope is version, kind, length-prefixed pile id and varint session id") {
    CHECK(envelope_of(token_kind::bill, "P1", 5) == bytes{2, 2, 2, 'P', '1', 5});
    CHECK(envelope_of(token_kind::receipt, "P1", 300) == bytes{2, 3, 2, 'P', '1', 0xac, 0x02});
    CHECK(static_cast<int>(token_kind::authorization) == 1);
    CHECK(static_cast<int>(token_kind::start_ack) == 4);
  }

  TEST_CASE("a relay reads pile id and session id of every kind, with no key") {
    for (token_kind k : {token_kind::authorization, token_kind::bill, token_kind::receipt, token_kind::start_ack}) {
      bytes body = envelope_of(k, "pile-7", 1'000'000);
      body.insert(body.end(), {9, 9, 9});  // the kind's fields: opaque to the envelope
      const bytes t = token_of(body);
      CHECK(peek_pile_id(t).value() == "pile-7");
      CHECK(peek_session_id(t).value() == 1'000'000);
    }
    // read_envelope leaves the reader at the kind's first field.
    bytes body = envelope_of(token_kind::bill, "P1", 7);
    body.push_back(42);
    byte_reader r(body);
    const envelope_ids ids = read_envelope(r);
    CHECK(ids.pile_id == "P1");
    CHECK(ids.session_id == 7);
    CHECK(r.u8() == 42);
    CHECK(r.finish() == errc::ok);
  }

  TEST_CASE("what no sealer could have written is refused") {
    // Shorter than an envelope's first three bytes plus the MAC.
    CHECK(peek_pile_id(bytes(token_len_min - 1, 2)).error() == errc::truncated);
    CHECK(peek_session_id(bytes(token_len_min - 1, 2)).error() == errc::truncated);
    // An empty pile id, and one longer than any pile's.
    CHECK(peek_pile_id(token_of({2, 2, 0, 5})).error() == errc::bad_field);
    bytes long_id{2, 2, static_cast<std::uint8_t>(pile_id_len_max + 1)};
    long_id.resize(long_id.size() + pile_id_len_max + 1, 'p');
    long_id.push_back(5);
    CHECK(peek_pile_id(token_of(long_id)).error() == errc::bad_length);
    // A session id that is not the shortest varint, or is cut by the MAC.
    CHECK(peek_session_id(token_of({2, 2, 2, 'P', '1', 0x85, 0x00})).error() == errc::bad_field);
    CHECK(peek_session_id(token_of({2, 2, 2, 'P', '1', 0x85})).error() == errc::truncated);
    // Picking a key needs only the pile id: it is read even where the session id is missing.
    CHECK(peek_pile_id(token_of({2, 2, 2, 'P', '1'})).value() == "P1");
  }
}
