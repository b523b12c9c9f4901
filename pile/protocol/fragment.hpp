// Cuts encoded frames into BLE packets of at most MTU-3 bytes and puts them back together.
// Packet = [flags u8: bit7 first, bit6 last, bits0-5 index mod 64][data]. An exact repeat of the fragment
// just taken is skipped (duplicating links); a gap, any other repeat or a stray fragment discards the partial
// frame (the request is retried above); it never yields a spliced frame.
#pragma once

#include "sim/bytes.hpp"
#include "sim/error.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace pilesim::protocol {

inline constexpr std::size_t att_overhead = 3;  // ATT header bytes inside the MTU

// Packets for one frame; mtu >= 5 (at least one data byte per packet).
std::vector<bytes> fragment(std::span<const std::uint8_t> frame, std::size_t mtu);

class reassembler {
 public:
  explicit reassembler(std::size_t frame_len_max) : frame_len_max_(frame_len_max) {}

  // Returns a whole frame when `packet` completes one; nullopt while partial or after a discarded one.
  std::optional<bytes> push(std::span<const std::uint8_t> packet);
  void reset();
  std::uint64_t discarded() const { return discarded_; }
  // Exact repeats of a partial frame's previous fragment that were skipped (a duplicating link).
  std::uint64_t repeats() const { return repeats_; }

 private:
  std::size_t frame_len_max_;
  bytes partial_;
  bytes previous_;  // the last fragment taken into the partial frame
  bool active_ = false;
  std::uint8_t next_index_ = 0;
  std::uint64_t discarded_ = 0;
  std::uint64_t repeats_ = 0;
};

}  // namespace pilesim::protocol
