// Derived secrets: each pile, session and user gets its own, reproducibly from the seed; a stop secret is
// checked against the digest the pile keeps, which is BLAKE2b-256 of it, and nothing else matches.
#include "contract/keys.hpp"

#include "sim/bytes.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdint>
#include <set>
#include <span>
#include <string>

using namespace pilesim;
using namespace pilesim::contract;

TEST_SUITE("contract/keys") {
  TEST_CASE("every pile, seed and session has its own secret, the same on every run") {
    CHECK(derive_pile_key(1, "P1") == derive_pile_key(1, "P1"));
    std::set<key32> seen;
    for (std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{2}, ~std::uint64_t{0}})
      for (const char* pile : {"P1", "P2", "P10"}) seen.insert(derive_pile_key(seed, pile));
    for (std::uint64_t session = 1; session <= 20; ++session) seen.insert(derive_stop_secret(1, session));
    seen.insert(derive_stop_secret(2, 1));
    CHECK(seen.size() == 3 * 3 + 20 + 1);
  }

  TEST_CASE("a user's bearer token is 32 lowercase hex digits, one per user and seed") {
    const std::string t = derive_user_token(1, "alice");
    CHECK(t.size() == 32);
    CHECK(t.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(t == derive_user_token(1, "alice"));
    CHECK(t != derive_user_token(1, "bob"));
    CHECK(t != derive_user_token(2, "alice"));
  }

  TEST_CASE("the stop digest is BLAKE2b-256 of the secret, and only that secret matches it") {
    const key32 secret = derive_stop_secret(1, 7);
    key32 want{};
    crypto_generichash(want.data(), want.size(), secret.data(), secret.size(), nullptr, 0);
    const key32 digest = stop_digest(secret);
    CHECK(digest == want);
    CHECK(stop_secret_matches(secret, digest));
    CHECK(!stop_secret_matches(derive_stop_secret(1, 8), digest));
    for (std::size_t bit = 0; bit < secret.size() * 8; bit += 13) {
      key32 bad = secret;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      CHECK(!stop_secret_matches(bad, digest));
    }
    CHECK(!stop_secret_matches(secret, secret));  // the secret is not its own digest
  }

  TEST_CASE("a pile's challenges: keyed BLAKE2b of (power-up, sequence), never the same twice, another key's differ") {
    const key32 k1 = derive_pile_key(1, "P1");
    const key32 k2 = derive_pile_key(1, "P2");
    std::set<challenge> seen;
    for (std::uint64_t boot = 0; boot < 4; ++boot)
      for (std::uint64_t seq = 1; seq <= 40; ++seq) {
        seen.insert(derive_challenge(k1, boot, seq));
        seen.insert(derive_challenge(k2, boot, seq));
      }
    CHECK(seen.size() == 2 * 4 * 40);
    CHECK(derive_challenge(k1, 3, 7) == derive_challenge(k1, 3, 7));
    // Keyed by the pile's key: without it, the label and counters alone do not give the challenge.
    bytes in;
    byte_writer w(in);
    const char* label = "pilesim/challeng";
    w.raw(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(label), 16));
    w.u64(0);
    w.u64(1);
    challenge want{};
    crypto_generichash(want.data(), want.size(), in.data(), in.size(), k1.data(), k1.size());
    CHECK(derive_challenge(k1, 0, 1) == want);
    challenge unkeyed{};
    crypto_generichash(unkeyed.data(), unkeyed.size(), in.data(), in.size(), nullptr, 0);
    CHECK(derive_challenge(k1, 0, 1) != unkeyed);
  }
}
