#include "pile/protocol/fragment.hpp"

#include <algorithm>

#include <cassert>

namespace pilesim::protocol {
namespace {

constexpr std::uint8_t flag_first = 0x80;
constexpr std::uint8_t flag_last = 0x40;
constexpr std::uint8_t index_mask = 0x3F;

}  // namespace

std::vector<bytes> fragment(std::span<const std::uint8_t> frame, std::size_t mtu, std::uint8_t tag) {
  assert(mtu >= att_overhead + packet_header_len + 1 && "an MTU must leave room for flags, tag and one data byte");
  const std::size_t chunk = mtu - att_overhead - packet_header_len;
  // An empty frame still travels as one packet so that the receiver sees a (empty) whole frame.
  const std::size_t count = frame.empty() ? 1 : (frame.size() + chunk - 1) / chunk;
  std::vector<bytes> packets;
  packets.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t begin = i * chunk;
    const std::size_t n = begin >= frame.size() ? 0 : std::min(chunk, frame.size() - begin);
    bytes p;
    p.reserve(n + packet_header_len);
    std::uint8_t flags = static_cast<std::uint8_t>(i & index_mask);
    if (i == 0) flags |= flag_first;
    if (i + 1 == count) flags |= flag_last;
    p.push_back(flags);
    p.push_back(tag);
    p.insert(p.end(), frame.begin() + static_cast<std::ptrdiff_t>(begin),
             frame.begin() + static_cast<std::ptrdiff_t>(begin + n));
    packets.push_back(std::move(p));
  }
  return packets;
}

std::optional<bytes> reassembler::push(std::span<const std::uint8_t> packet) {
  // Every irregularity throws the partial frame away: splicing two attempts could yield a frame whose CRC
  // happens to hold, and a retry above is cheap.
  auto drop = [this]() -> std::optional<bytes> {
    ++discarded_;
    reset();
    return std::nullopt;
  };
  if (packet.size() < packet_header_len) return drop();
  const std::uint8_t flags = packet[0];
  const std::uint8_t index = flags & index_mask;
  const std::uint8_t tag = packet[1];
  const auto data = packet.subspan(packet_header_len);
  // A link that duplicates packets repeats the fragment just taken: an exact repeat of it, while the frame is
  // still partial, carries nothing new and is skipped instead of costing the whole frame. Only a partial
  // frame's previous fragment counts, so a retried whole frame (same bytes, new attempt) is never swallowed.
  if (active_ && packet.size() == previous_.size() && std::equal(packet.begin(), packet.end(), previous_.begin())) {
    ++repeats_;
    return std::nullopt;
  }
  if (flags & flag_first) {
    if (active_) ++discarded_;  // a new frame began before the last one ended: the old one is lost
    reset();
    if (index != 0) return drop();
    active_ = true;
    tag_ = tag;
  } else if (!active_ || tag != tag_ || index != next_index_) {
    return drop();  // a stray fragment (another frame's), a gap, a repeat or a reordering
  }
  if (partial_.size() + data.size() > frame_len_max_) return drop();
  partial_.insert(partial_.end(), data.begin(), data.end());
  next_index_ = static_cast<std::uint8_t>((next_index_ + 1) & index_mask);
  if (!(flags & flag_last)) {
    previous_.assign(packet.begin(), packet.end());
    return std::nullopt;
  }
  std::optional<bytes> whole(std::move(partial_));
  reset();
  return whole;
}

void reassembler::reset() {
  partial_.clear();
  previous_.clear();
  active_ = false;
  next_index_ = 0;
}

}  // namespace pilesim::protocol
