// Deterministic random streams: one master seed, one stream per consumer name ("ble/P1", "wan/alice"), so
// that adding a consumer never changes another's draws. xoshiro256** seeded by splitmix64, and integer-only
// distributions of our own: std:: distributions differ between standard libraries and must never be used.
#pragma once

#include <cstdint>
#include <string_view>

namespace pilesim::sim {

// A probability in parts per billion: exact from decimal text, exact to compare with an integer draw.
inline constexpr std::uint32_t ppb_one = 1'000'000'000;

std::uint64_t splitmix64(std::uint64_t& state);
// FNV-1a 64 of a name: stable across machines and standard libraries (std::hash is not).
std::uint64_t stable_hash(std::string_view s);

class rng {
 public:
  rng(std::uint64_t seed, std::string_view stream);

  std::uint64_t next();
  // Uniform in [lo, hi], unbiased (Lemire's multiply-and-reject); requires lo <= hi.
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi);
  std::int64_t uniform_signed(std::int64_t lo, std::int64_t hi);
  // True with probability ppb / 1e9.
  bool bernoulli(std::uint32_t ppb);

 private:
  std::uint64_t s_[4];
};

}  // namespace pilesim::sim
