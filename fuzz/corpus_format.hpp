// The byte layouts of the fuzz targets' inputs, shared by the targets and the corpus recorder so that a recorded
// run is a valid input: a BLE packet stream is [len u8][packet]..., an HTTP exchange is
// [advance_s u16 BE][len u16 BE][request bytes]... Splitting trusts nothing: a short tail is dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace pilesim::fuzz {

// The packets of a stream, in order; a length that runs past the end ends the stream.
inline std::vector<std::span<const std::uint8_t>> split_packets(std::span<const std::uint8_t> in) {
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t at = 0;
  while (at < in.size()) {
    const std::size_t n = in[at++];
    if (n > in.size() - at) break;
    out.push_back(in.subspan(at, n));
    at += n;
  }
  return out;
}

// False for a packet above 255 bytes (an MTU above 258), which the layout cannot hold: the caller skips it.
inline bool append_packet(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> packet) {
  if (packet.size() > 0xFF) return false;
  out.push_back(static_cast<std::uint8_t>(packet.size()));
  out.insert(out.end(), packet.begin(), packet.end());
  return true;
}

struct timed_request {
  std::uint32_t advance_s = 0;  // simulated seconds since the previous request
  std::string_view wire;        // HTTP request bytes
};

inline std::vector<timed_request> split_requests(std::span<const std::uint8_t> in, std::size_t count_max) {
  std::vector<timed_request> out;
  std::size_t at = 0;
  while (out.size() < count_max && in.size() - at >= 4) {
    const std::uint32_t advance = (std::uint32_t{in[at]} << 8) | in[at + 1];
    const std::size_t n = (std::size_t{in[at + 2]} << 8) | in[at + 3];
    at += 4;
    if (n > in.size() - at) break;
    out.push_back({advance, std::string_view(reinterpret_cast<const char*>(in.data() + at), n)});
    at += n;
  }
  return out;
}

inline void append_request(std::vector<std::uint8_t>& out, std::uint32_t advance_s, std::string_view wire) {
  const std::uint32_t a = advance_s > 0xFFFF ? 0xFFFF : advance_s;
  const std::size_t n = wire.size() > 0xFFFF ? 0xFFFF : wire.size();
  out.push_back(static_cast<std::uint8_t>(a >> 8));
  out.push_back(static_cast<std::uint8_t>(a));
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n));
  out.insert(out.end(), wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace pilesim::fuzz
