#include "sim/rng.hpp"

#include <cassert>

namespace pilesim::sim {
namespace {
__extension__ using u128 = unsigned __int128;  // g++/clang builtin; the 64x64->128 multiply of Lemire's method

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

rng::rng(std::uint64_t seed, std::string_view stream) {
  // Seed and name go through splitmix64 separately so that nearby seeds or names give unrelated streams.
  std::uint64_t a = seed;
  std::uint64_t mixed = splitmix64(a) ^ stable_hash(stream);
  for (auto& word : s_) word = splitmix64(mixed);
}

std::uint64_t rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t rng::uniform(std::uint64_t lo, std::uint64_t hi) {
  assert(lo <= hi);
  const std::uint64_t span = hi - lo;
  if (span == UINT64_MAX) return next();
  const std::uint64_t n = span + 1;
  u128 m = static_cast<u128>(next()) * n;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return lo + static_cast<std::uint64_t>(m >> 64);
}

std::int64_t rng::uniform_signed(std::int64_t lo, std::int64_t hi) {
  assert(lo <= hi);
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + uniform(0, span));
}

bool rng::bernoulli(std::uint32_t ppb) {
  if (ppb == 0) return false;  // no draw: a lossless link consumes nothing from its stream
  if (ppb >= ppb_one) return true;
  return uniform(0, ppb_one - 1) < ppb;
}

}  // namespace pilesim::sim
