// Sealed tokens: the MAC is keyed BLAKE2b-256 of everything before it, computed the same way whatever the
// per-thread cache of keyed states holds; any change to a sealed token, or the wrong key, is refused.
#include "sim/token.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <vector>

using namespace pilesim;

namespace {

key32 key_of(std::uint8_t a, std::uint8_t b) {
  key32 k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(a * 31 + b * 7 + i);
  k[0] = a;
  k[1] = b;
  return k;
}

receipt sample_receipt(std::uint64_t session) { return receipt{session, "P1", 9, money{1260}}; }

// The MAC computed independently, straight from libsodium.
std::array<std::uint8_t, 32> expected_mac(const bytes& sealed, const key32& key) {
  std::array<std::uint8_t, 32> mac{};
  REQUIRE(sealed.size() > mac.size());
  crypto_generichash(mac.data(), mac.size(), sealed.data(), sealed.size() - mac.size(), key.data(), key.size());
  return mac;
}

}  // namespace

TEST_SUITE("sim/token") {
  TEST_CASE("the MAC is keyed BLAKE2b-256 of the token's body") {
    const key32 key = derive_pile_key(1, "P1");
    const bytes sealed = seal(sample_receipt(5), key);
    const auto mac = expected_mac(sealed, key);
    CHECK(std::equal(mac.begin(), mac.end(), sealed.end() - 32));
    auto opened = open_receipt(sealed, key);
    REQUIRE(opened.has_value());
    CHECK(opened->session_id == 5);
    CHECK(opened->charged == money{1260});
  }

  TEST_CASE("every single bit flip and the wrong key are refused") {
    const key32 key = derive_pile_key(1, "P1");
    const bytes sealed = seal(sample_receipt(5), key);
    for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
      bytes bad = sealed;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      CHECK(open_receipt(bad, key).error() == errc::bad_mac);
    }
    CHECK(open_receipt(sealed, derive_pile_key(1, "P2")).error() == errc::bad_mac);
    CHECK(open_receipt(sealed, derive_pile_key(2, "P1")).error() == errc::bad_mac);
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
        REQUIRE(std::equal(mac.begin(), mac.end(), sealed.end() - 32));
        REQUIRE(open_receipt(sealed, keys[i]).has_value());
        const key32& other = keys[(i + 1) % keys.size()];
        CHECK(open_receipt(sealed, other).error() == errc::bad_mac);
      }
    }
  }
}
