// The classic libpcap file format (what Wireshark and tshark read): a global header naming the link type, then one
// record per packet with its time. Times are the run's virtual µs (seconds and µs since the epoch as if the run
// began at 0), so a capture is the same bytes for the same run. Writing only, into memory.
#pragma once

#include "sim/bytes.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace pilesim::tools {

// Little-endian appends, as the capture formats' own fields (not the network's) are laid out.
void put_le16(bytes& out, std::uint16_t v);
void put_le32(bytes& out, std::uint32_t v);
// Network byte order.
void put_be16(bytes& out, std::uint16_t v);
void put_be32(bytes& out, std::uint32_t v);

class pcap_file {
 public:
  static constexpr std::uint32_t linktype_ethernet = 1;
  static constexpr std::uint32_t linktype_bluetooth_le_ll_with_phdr = 256;

  explicit pcap_file(std::uint32_t linktype);
  void packet(sim::time_us at, std::span<const std::uint8_t> data);
  std::string bytes_text() const { return {data_.begin(), data_.end()}; }
  std::size_t packets() const { return packets_; }

 private:
  bytes data_;
  std::size_t packets_ = 0;
};

}  // namespace pilesim::tools
