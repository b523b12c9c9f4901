// Sealed tokens: the MAC is keyed BLAKE2b with a 16-byte output over everything before it, computed the same
// way whatever the per-thread cache of keyed states holds; any change to a sealed token, a cut, or the wrong
// key is refused. Behind a good MAC, the decoder still refuses anything but the one encoding of valid values.
#include "contract/seal.hpp"

#include "contract/envelope.hpp"
#include "contract/keys.hpp"
#include "sim/rng.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

using namespace pilesim;
using namespace pilesim::contract;

namespace {

key32 key_of(std::uint8_t a, std::uint8_t b) {
  key32 k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(a * 31 + b * 7 + i);
  k[0] = a;
  k[1] = b;
  return k;
}

receipt sample_receipt(std::uint64_t session) { return receipt{session, "P1", 9, money{1260}}; }

static_assert(mac_len == 16 && mac_len == crypto_generichash_BYTES_MIN);

// The MAC computed independently, straight from libsodium.
std::array<std::uint8_t, mac_len> expected_mac(const bytes& sealed, const key32& key) {
  std::array<std::uint8_t, mac_len> mac{};
  REQUIRE(sealed.size() > mac.size());
  crypto_generichash(mac.data(), mac.size(), sealed.data(), sealed.size() - mac.size(), key.data(), key.size());
  return mac;
}

// A body written by hand, sealed with a MAC computed straight from libsodium: what only the key's holder could
// send, so the decoder's own checks are all that stand between it and the receiver.
bytes mac_by_hand(bytes body, const key32& key) {
  std::array<std::uint8_t, mac_len> mac{};
  crypto_generichash(mac.data(), mac.size(), body.data(), body.size(), key.data(), key.size());
  body.insert(body.end(), mac.begin(), mac.end());
  return body;
}

start_authorization sample_authorization(std::uint64_t session) {
  start_authorization a;
  a.session_id = session;
  a.pile_id = "P1";
  a.counter = 3;
  a.issued_at_us = 3'600'000'000;
  a.expires_at_us = 4'200'000'000;
  a.frozen = money{5000};
  a.rate.energy.e4 = 12'000;
  a.rate.service.e4 = 3'000;
  a.vehicle_id = "V1";
  a.stop_digest = stop_digest(derive_stop_secret(1, session));
  for (std::size_t i = 0; i < a.challenge.size(); ++i) a.challenge[i] = static_cast<std::uint8_t>(0xc0 + i);
  a.ttl_us = 600'000'000;
  return a;
}

bill sample_bill(std::uint64_t session) {
  return bill{session, "P1", 4, 120'000, 150'000, 3'700'000'000, 7'300'000'000, money{4500}, stop_reason::full};
}

start_ack sample_ack(std::uint64_t session) { return start_ack{session, "P1", 3, 120'000, 3'700'000'000, 2}; }

// Every sealed form of every kind, for the properties that hold of all of them.
std::vector<bytes> samples(const key32& key) {
  return {seal(sample_authorization(5), key), seal(sample_bill(5), key), seal(sample_ack(5), key),
          seal(sample_receipt(5), key)};
}

bool opens(const bytes& sealed, const key32& key) {
  return open_authorization(sealed, key).has_value() || open_bill(sealed, key).has_value() ||
         open_start_ack(sealed, key).has_value() || open_receipt(sealed, key).has_value();
}

boost::system::error_code open_error(std::size_t which, const bytes& sealed, const key32& key) {
  switch (which) {
    case 0: return open_authorization(sealed, key).error();
    case 1: return open_bill(sealed, key).error();
    case 2: return open_start_ack(sealed, key).error();
    default: return open_receipt(sealed, key).error();
  }
}

// The header every token starts with, then the session id.
bytes header(std::uint8_t kind, std::uint64_t session) {
  bytes b;
  byte_writer w(b);
  w.u8(2);
  w.u8(kind);
  w.str8("P1");
  w.uvarint(session);
  return b;
}

}  // namespace

TEST_SUITE("contract/seal") {
  TEST_CASE("the MAC is keyed BLAKE2b with a 16-byte output over the token's body") {
    const key32 key = derive_pile_key(1, "P1");
    const bytes sealed = seal(sample_receipt(5), key);
    const auto mac = expected_mac(sealed, key);
    CHECK(std::equal(mac.begin(), mac.end(), sealed.end() - mac_len));
    for (const bytes& t : samples(key)) {
      const auto m = expected_mac(t, key);
      CHECK(std::equal(m.begin(), m.end(), t.end() - mac_len));
    }
    auto opened = open_receipt(sealed, key);
    REQUIRE(opened.has_value());
    CHECK(opened->session_id == 5);
    CHECK(opened->charged == money{1260});
  }

  TEST_CASE("every single bit flip, every cut and the wrong key are refused, for every kind") {
    const key32 key = derive_pile_key(1, "P1");
    const auto all = samples(key);
    for (std::size_t k = 0; k < all.size(); ++k) {
      const bytes& sealed = all[k];
      REQUIRE(!open_error(k, sealed, key));
      for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
        bytes bad = sealed;
        bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        CHECK(open_error(k, bad, key) == errc::bad_mac);
      }
      for (std::size_t n = 0; n < sealed.size(); ++n) {
        const bytes cut(sealed.begin(), sealed.begin() + static_cast<std::ptrdiff_t>(n));
        const auto e = open_error(k, cut, key);
        CHECK((e == errc::bad_mac || e == errc::truncated));
        CHECK(!opens(cut, key));
      }
      bytes longer = sealed;
      longer.push_back(0);
      CHECK(open_error(k, longer, key) == errc::bad_mac);
      CHECK(open_error(k, sealed, derive_pile_key(1, "P2")) == errc::bad_mac);
      CHECK(open_error(k, sealed, derive_pile_key(2, "P1")) == errc::bad_mac);
      // A token of one kind never opens as another, even under the right key.
      for (std::size_t other = 0; other < all.size(); ++other)
        if (other != k) CHECK(open_error(other, sealed, key) == errc::bad_field);
    }
  }

  TEST_CASE("a start ack round-trips its previous counter and refuses one not below its own") {
    const key32 key = derive_pile_key(1, "P1");
    const auto ack = open_start_ack(seal(sample_ack(5), key), key);
    REQUIRE(ack.has_value());
    CHECK(ack->prev_counter == 2);
    start_ack bad = sample_ack(5);
    bad.prev_counter = bad.counter;
    CHECK_FALSE(open_start_ack(seal(bad, key), key).has_value());
  }

  TEST_CASE("the format: header, varint fields, 16-byte MAC") {
    const key32 key = derive_pile_key(1, "P1");
    // version 2, receipt 3, "P1", session 5, bill counter 9, charged 1260 zigzagged to 2520 = 0xd8 0x13.
    const bytes sealed = seal(sample_receipt(5), key);
    const bytes body{2, 3, 2, 'P', '1', 5, 9, 0xd8, 0x13};
    REQUIRE(sealed.size() == body.size() + mac_len);
    CHECK(bytes(sealed.begin(), sealed.end() - mac_len) == body);
    CHECK(mac_by_hand(body, key) == sealed);

    // The samples' sizes: small values take a byte or two, the stop digest stays 32 bytes.
    CHECK(seal(sample_receipt(5), key).size() == 25);
    CHECK(seal(sample_ack(5), key).size() == 5 + 1 + 1 + 3 + 5 + 1 + mac_len);
    CHECK(seal(sample_bill(5), key).size() == 5 + 1 + 1 + 3 + 3 + 5 + 5 + 2 + 1 + mac_len);
    CHECK(seal(sample_authorization(5), key).size() ==
          5 + 1 + 1 + 5 + 5 + 2 + 3 + 2 + 3 + 32 + challenge_len + 5 + mac_len);
  }

  TEST_CASE("every field round-trips at its extremes") {
    const key32 key = derive_pile_key(1, "P1");
    const std::uint64_t umax = std::numeric_limits<std::uint64_t>::max();
    const std::int64_t imax = std::numeric_limits<std::int64_t>::max();
    const std::int64_t imin = std::numeric_limits<std::int64_t>::min();

    start_authorization a = sample_authorization(umax);
    a.pile_id = std::string(pile_id_len_max, 'p');
    a.counter = umax;
    a.issued_at_us = imin;
    a.expires_at_us = imax;
    a.frozen = money{imax};
    a.rate.energy.e4 = imax;
    a.rate.service.e4 = 0;
    a.vehicle_id = std::string(vehicle_id_len_max, 'v');
    a.challenge.fill(0xff);
    a.ttl_us = imax;
    auto oa = open_authorization(seal(a, key), key);
    REQUIRE(oa.has_value());
    CHECK(oa->session_id == umax);
    CHECK(oa->pile_id == a.pile_id);
    CHECK(oa->counter == umax);
    CHECK(oa->issued_at_us == imin);
    CHECK(oa->expires_at_us == imax);
    CHECK(oa->frozen == money{imax});
    CHECK(oa->rate.energy.e4 == imax);
    CHECK(oa->rate.service.e4 == 0);
    CHECK(oa->vehicle_id == a.vehicle_id);
    CHECK(oa->stop_digest == a.stop_digest);
    CHECK(oa->challenge == a.challenge);
    CHECK(oa->ttl_us == imax);
    CHECK(peek_session_id(seal(a, key)).value() == umax);
    CHECK(peek_pile_id(seal(a, key)).value() == a.pile_id);

    bill b{0, "P1", umax, 0, imax, imin, imax, money{imax}, stop_reason::fault};
    auto ob = open_bill(seal(b, key), key);
    REQUIRE(ob.has_value());
    CHECK(ob->session_id == 0);
    CHECK(ob->counter == umax);
    CHECK(ob->meter_start_wh == 0);
    CHECK(ob->meter_stop_wh == imax);
    CHECK(ob->started_at_us == imin);
    CHECK(ob->stopped_at_us == imax);
    CHECK(ob->cost == money{imax});
    CHECK(ob->reason == stop_reason::fault);

    auto os = open_start_ack(seal(start_ack{127, "P1", 128, imax, imin}, key), key);
    REQUIRE(os.has_value());
    CHECK(os->session_id == 127);
    CHECK(os->counter == 128);
    CHECK(os->meter_start_wh == imax);
    CHECK(os->started_at_us == imin);

    auto orc = open_receipt(seal(receipt{128, "P1", 0, money{0}}, key), key);
    REQUIRE(orc.has_value());
    CHECK(orc->session_id == 128);
    CHECK(orc->bill_counter == 0);
    CHECK(orc->charged == money{0});
  }

  TEST_CASE("behind a good MAC, only the one encoding of valid values opens") {
    const key32 key = derive_pile_key(1, "P1");
    auto receipt_body = [](bytes tail) {
      bytes b = header(3, 5);
      b.push_back(9);
      b.insert(b.end(), tail.begin(), tail.end());
      return b;
    };
    REQUIRE(open_receipt(mac_by_hand(receipt_body({0xd8, 0x13}), key), key).has_value());
    // The same amount in three bytes instead of two: one value, one encoding.
    CHECK(open_receipt(mac_by_hand(receipt_body({0xd8, 0x93, 0x00}), key), key).error() == errc::bad_field);
    // A varint past 64 bits, and one cut short at the end of the body.
    bytes overflow(9, 0xff);
    overflow.push_back(0x02);
    CHECK(open_receipt(mac_by_hand(receipt_body(overflow), key), key).error() == errc::bad_field);
    CHECK(open_receipt(mac_by_hand(receipt_body({0xd8}), key), key).error() == errc::truncated);
    CHECK(open_receipt(mac_by_hand(receipt_body({0xd8, 0x13, 0x00}), key), key).error() == errc::trailing_bytes);
    // A negative amount (zigzag odd) is a valid encoding of an invalid value.
    CHECK(open_receipt(mac_by_hand(receipt_body({0x01}), key), key).error() == errc::bad_field);
    // A non-minimal session id, which peek must refuse too.
    bytes padded{2, 3, 2, 'P', '1', 0x85, 0x00, 9, 0x00};
    CHECK(open_receipt(mac_by_hand(padded, key), key).error() == errc::bad_field);
    CHECK(!peek_session_id(mac_by_hand(padded, key)).has_value());
    // Unknown version or kind.
    bytes wrong_version = receipt_body({0});
    wrong_version[0] = 1;
    CHECK(open_receipt(mac_by_hand(wrong_version, key), key).error() == errc::bad_field);
    // Oversize and empty pile ids.
    bytes long_id{2, 3, static_cast<std::uint8_t>(pile_id_len_max + 1)};
    long_id.resize(long_id.size() + pile_id_len_max + 1, 'p');
    long_id.insert(long_id.end(), {5, 9, 0});
    CHECK(open_receipt(mac_by_hand(long_id, key), key).error() == errc::bad_length);
    CHECK(open_receipt(mac_by_hand(bytes{2, 3, 0, 5, 9, 0}, key), key).error() == errc::bad_field);

    // A bill: every reason outside 1..6, and negative meter readings or costs, are refused.
    auto bill_body = [](std::int64_t meter_start, std::int64_t meter_stop, std::int64_t cost, std::uint8_t reason) {
      bytes b = header(2, 5);
      byte_writer w(b);
      w.uvarint(4);
      w.svarint(meter_start);
      w.svarint(meter_stop);
      w.svarint(100);
      w.svarint(200);
      w.svarint(cost);
      w.u8(reason);
      return b;
    };
    REQUIRE(open_bill(mac_by_hand(bill_body(10, 20, 30, 1), key), key).has_value());
    for (int reason : {0, 7, 255})
      CHECK(open_bill(mac_by_hand(bill_body(10, 20, 30, static_cast<std::uint8_t>(reason)), key), key).error() ==
            errc::bad_field);
    CHECK(open_bill(mac_by_hand(bill_body(-1, 20, 30, 1), key), key).error() == errc::bad_field);
    CHECK(open_bill(mac_by_hand(bill_body(10, 9, 30, 1), key), key).error() == errc::bad_field);
    CHECK(open_bill(mac_by_hand(bill_body(10, 20, -30, 1), key), key).error() == errc::bad_field);

    // An authorization whose vehicle id is too long, or whose amounts are negative.
    auto auth_body = [](std::int64_t frozen, std::size_t vehicle_len, std::int64_t ttl_us = 1000) {
      bytes b = header(1, 5);
      byte_writer w(b);
      w.uvarint(3);
      w.svarint(100);
      w.svarint(200);
      w.svarint(frozen);
      w.svarint(12'000);
      w.svarint(3'000);
      w.str8(std::string(vehicle_len, 'v'));
      w.raw(key32{});
      w.raw(challenge{});
      w.svarint(ttl_us);
      return b;
    };
    REQUIRE(open_authorization(mac_by_hand(auth_body(5000, 2), key), key).has_value());
    // A ttl of nothing, or less, could never be met: the server's bug, refused as a bad field.
    CHECK(open_authorization(mac_by_hand(auth_body(5000, 2, 0), key), key).error() == errc::bad_field);
    CHECK(open_authorization(mac_by_hand(auth_body(5000, 2, -1), key), key).error() == errc::bad_field);
    CHECK(open_authorization(mac_by_hand(auth_body(-5000, 2), key), key).error() == errc::bad_field);
    CHECK(open_authorization(mac_by_hand(auth_body(5000, vehicle_id_len_max + 1), key), key).error() ==
          errc::bad_length);
    bytes short_digest = auth_body(5000, 2);
    short_digest.resize(short_digest.size() - 2 - challenge_len - 1);  // ttl (2 bytes), challenge, a digest byte
    CHECK(open_authorization(mac_by_hand(short_digest, key), key).error() == errc::truncated);
  }

  TEST_CASE("keys that share a cache slot, and many keys in turn, each get their own MAC") {
    // Keys whose first two bytes agree share a slot of the per-thread cache: alternating between them must
    // evict and recompute, never reuse the other key's state.
    std::vector<key32> keys;
    for (std::uint8_t a = 0; a < 4; ++a)
      for (std::uint8_t v = 0; v < 50; ++v) keys.push_back(key_of(a, v));
    keys.push_back(key_of(1, 2));
    key32 twin = key_of(1, 2);
    twin[31] ^= 0x80;  // same slot as the previous key, different key
    keys.push_back(twin);
    for (int round = 0; round < 3; ++round) {
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const bytes sealed = seal(sample_receipt(i), keys[i]);
        const auto mac = expected_mac(sealed, keys[i]);
        REQUIRE(std::equal(mac.begin(), mac.end(), sealed.end() - mac_len));
        REQUIRE(open_receipt(sealed, keys[i]).has_value());
        const key32& other = keys[(i + 1) % keys.size()];
        CHECK(open_receipt(sealed, other).error() == errc::bad_mac);
      }
    }
  }

  TEST_CASE("whatever opens behind a good MAC seals back to the same bytes: one encoding per token") {
    // Bodies mutated at random (bytes changed, inserted, removed), each given a MAC by hand: many are refused,
    // and every one that opens is exactly what seal writes for the value it opened to.
    const key32 key = derive_pile_key(1, "P1");
    sim::rng rng(7, "token-canonical");
    std::size_t opened = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const bytes good = samples(key)[k];
      const bytes body(good.begin(), good.end() - mac_len);
      for (int i = 0; i < 4000; ++i) {
        bytes b = body;
        const int edits = static_cast<int>(rng.uniform(1, 3));
        for (int e = 0; e < edits; ++e) {
          const std::size_t at = rng.uniform(0, b.size() - 1);
          switch (rng.uniform(0, 3)) {
            case 0: b[at] = static_cast<std::uint8_t>(rng.next()); break;
            case 1: b[at] ^= static_cast<std::uint8_t>(1u << rng.uniform(0, 7)); break;
            case 2:
              b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng.next()));
              break;
            default:
              if (b.size() > 1) b.erase(b.begin() + static_cast<std::ptrdiff_t>(at));
              break;
          }
        }
        const bytes sealed = mac_by_hand(b, key);
        bytes again;
        switch (k) {
          case 0: if (auto x = open_authorization(sealed, key)) again = seal(*x, key); break;
          case 1: if (auto x = open_bill(sealed, key)) again = seal(*x, key); break;
          case 2: if (auto x = open_start_ack(sealed, key)) again = seal(*x, key); break;
          default: if (auto x = open_receipt(sealed, key)) again = seal(*x, key); break;
        }
        if (again.empty()) continue;
        ++opened;
        CHECK(again == sealed);
      }
    }
    CHECK(opened > 1000);  // the property was exercised, not only refusals
  }
}
