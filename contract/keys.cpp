#include "contract/keys.hpp"

#include "contract/libsodium.hpp"
#include "sim/bytes.hpp"

#include <sodium.h>

#include <span>

namespace pilesim::contract {
namespace {

// Unkeyed BLAKE2b-256 of a derivation's input, which starts with a 16-byte label of its own so that no two
// kinds of secret can collide.
key32 hash_of(const bytes& in) {
  ensure_libsodium();
  key32 out{};
  crypto_generichash(out.data(), out.size(), in.data(), in.size(), nullptr, 0);
  return out;
}

std::span<const std::uint8_t> label(const char (&text)[17]) {
  return {reinterpret_cast<const std::uint8_t*>(text), 16};
}

}  // namespace

key32 derive_pile_key(std::uint64_t seed, std::string_view pile_id) {
  bytes in;
  byte_writer w(in);
  w.raw(label("pilesim/pile-key"));
  w.u64(seed);
  w.str8(pile_id);
  return hash_of(in);
}

key32 derive_stop_secret(std::uint64_t seed, std::uint64_t session_id) {
  bytes in;
  byte_writer w(in);
  w.raw(label("pilesim/stop-key"));
  w.u64(seed);
  w.u64(session_id);
  return hash_of(in);
}

std::string derive_user_token(std::uint64_t seed, std::string_view user) {
  const key32 k = derive_pile_key(seed ^ 0x746f6b656eULL, std::string("user/") + std::string(user));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    out += hex[k[i] >> 4];
    out += hex[k[i] & 15];
  }
  return out;
}

challenge derive_challenge(const key32& pile_key, std::uint64_t boot, std::uint64_t seq) {
  ensure_libsodium();
  bytes in;
  byte_writer w(in);
  w.raw(label("pilesim/challeng"));
  w.u64(boot);
  w.u64(seq);
  challenge out{};
  crypto_generichash(out.data(), out.size(), in.data(), in.size(), pile_key.data(), pile_key.size());
  return out;
}

key32 stop_digest(const key32& stop_secret) {
  ensure_libsodium();
  key32 out{};
  crypto_generichash(out.data(), out.size(), stop_secret.data(), stop_secret.size(), nullptr, 0);
  return out;
}

bool stop_secret_matches(const key32& stop_secret, const key32& digest) {
  const key32 d = stop_digest(stop_secret);
  return sodium_memcmp(d.data(), digest.data(), d.size()) == 0;
}

}  // namespace pilesim::contract
