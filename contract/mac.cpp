#include "contract/mac.hpp"

#include "contract/libsodium.hpp"

#include <sodium.h>

#include <cstdlib>

namespace pilesim::contract {
namespace {

static_assert(crypto_generichash_blake2b_KEYBYTES_MIN <= 32 && 32 <= crypto_generichash_blake2b_KEYBYTES_MAX);
static_assert(crypto_generichash_blake2b_BYTES_MIN <= mac_len && mac_len <= crypto_generichash_blake2b_BYTES_MAX);
static_assert(mac_len == crypto_verify_16_BYTES);

// The MAC is keyed BLAKE2b with a 16-byte output (libsodium's crypto_generichash with the pile's 32-byte key,
// its documented way to authenticate a message with a secret key, at its shortest output): a PRF, so as
// unforgeable as HMAC, with the 128-bit tag of Poly1305, GCM or CMAC. Every byte of a token costs BLE packets
// on the way through the phone, and a tag of 32 bytes would add no strength that matters here: a forger still
// has one chance in 2^128 per try, each try costing a BLE round trip to one pile.
// Tokens of ordinary sizes (under 128 bytes of body) take a single BLAKE2b block after the key's.
// Each thread keeps the keyed states of the keys it used last, direct-mapped by the key's first bytes (keys
// are uniformly random), so the next token for the same key starts from a copy. The output length is part of
// BLAKE2b's parameter block, so a state is initialised for mac_len and is good for that length only.
struct keyed_state {
  key32 key{};
  crypto_generichash_blake2b_state state{};
  bool ready = false;
};

const crypto_generichash_blake2b_state& keyed(const key32& key) {
  thread_local std::array<keyed_state, 64> cache;
  keyed_state& e = cache[(key[0] | (key[1] << 8)) % cache.size()];
  if (!e.ready || e.key != key) {
    ensure_libsodium();
    if (crypto_generichash_blake2b_init(&e.state, key.data(), key.size(), mac_len) != 0) std::abort();
    e.key = key;
    e.ready = true;
  }
  return e.state;
}

}  // namespace

std::array<std::uint8_t, mac_len> mac_of(std::span<const std::uint8_t> data, const key32& key) {
  crypto_generichash_blake2b_state st = keyed(key);
  crypto_generichash_blake2b_update(&st, data.data(), data.size());
  std::array<std::uint8_t, mac_len> mac{};
  crypto_generichash_blake2b_final(&st, mac.data(), mac.size());
  sodium_memzero(&st, sizeof st);
  return mac;
}

void append_mac(bytes& b, const key32& key) {
  const auto mac = mac_of(b, key);
  b.insert(b.end(), mac.begin(), mac.end());
}

bool mac_matches(std::span<const std::uint8_t> data, std::span<const std::uint8_t, mac_len> mac, const key32& key) {
  const auto expected = mac_of(data, key);
  return crypto_verify_16(mac.data(), expected.data()) == 0;
}

}  // namespace pilesim::contract
