#include "tools/pcap_file.hpp"

namespace pilesim::tools {

void put_le16(bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put_le32(bytes& out, std::uint32_t v) {
  put_le16(out, static_cast<std::uint16_t>(v));
  put_le16(out, static_cast<std::uint16_t>(v >> 16));
}
void put_be16(bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_be32(bytes& out, std::uint32_t v) {
  put_be16(out, static_cast<std::uint16_t>(v >> 16));
  put_be16(out, static_cast<std::uint16_t>(v));
}

pcap_file::pcap_file(std::uint32_t linktype) {
  put_le32(data_, 0xa1b2c3d4);  // magic: µs timestamps, written little-endian
  put_le16(data_, 2);           // version 2.4
  put_le16(data_, 4);
  put_le32(data_, 0);           // this zone
  put_le32(data_, 0);           // sigfigs
  put_le32(data_, 65535);       // snaplen
  put_le32(data_, linktype);
}

void pcap_file::packet(sim::time_us at, std::span<const std::uint8_t> data) {
  put_le32(data_, static_cast<std::uint32_t>(at / 1'000'000));
  put_le32(data_, static_cast<std::uint32_t>(at % 1'000'000));
  put_le32(data_, static_cast<std::uint32_t>(data.size()));
  put_le32(data_, static_cast<std::uint32_t>(data.size()));
  data_.insert(data_.end(), data.begin(), data.end());
  ++packets_;
}

}  // namespace pilesim::tools
