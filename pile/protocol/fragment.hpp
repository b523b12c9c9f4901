// Cuts encoded frames into BLE packets of at most MTU-3 bytes and puts them back together.
// Packet = [flags u8: bit7 first, bit6 last, bits0-5 index mod 64][tag u8][data]; every packet of a frame
// carries that frame's tag, and a sender gives each frame the next tag (fragmenter). An exact repeat of the
// fragment just taken is skipped (duplicating links); a gap, any other repeat or a stray fragment (another
// frame's tag, or an index out of turn) discards the partial frame (the request is retried above). It never
// yields a splice of two frames: the packets of a whole frame all carry the tag of its first packet, and one
// sender's tags repeat only after 256 frames.
#pragma once

#include "sim/bytes.hpp"
#include "sim/error.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace pilesim::protocol {

inline constexpr std::size_t att_overhead = 3;  // ATT header bytes inside the MTU

inline constexpr std::size_t packet_header_len = 2;  // flags, tag

// Packets for one frame, each carrying `tag`; mtu >= 6 (at least one data byte per packet).
std::vector<bytes> fragment(std::span<const std::uint8_t> frame, std::size_t mtu, std::uint8_t tag);

// One sender's end of a link: cuts each frame with the next tag (mod 256).
class fragmenter {
 public:
  std::vector<bytes> cut(std::span<const std::uint8_t> frame, std::size_t mtu) {
    return fragment(frame, mtu, next_tag_++);
  }

 private:
  std::uint8_t next_tag_ = 0;
};

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
  std::uint8_t tag_ = 0;  // of the partial frame's first packet
  std::uint8_t next_index_ = 0;
  std::uint64_t discarded_ = 0;
  std::uint64_t repeats_ = 0;
};

}  // namespace pilesim::protocol
