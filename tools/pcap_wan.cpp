// The WAN half of pcap_capture.hpp: Ethernet, IPv4 and TCP records around the HTTP bytes.
#include "tools/pcap_capture.hpp"
#include "tools/pcap_file.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <tuple>

namespace pilesim::tools {
namespace {

constexpr std::size_t connection_id_len = 8;  // a WAN frame: [connection id u64 LE][HTTP bytes]
constexpr std::size_t mss = 1460;
constexpr std::uint16_t server_port = 80, client_port_base = 49152;
constexpr std::uint8_t fin = 0x01, syn = 0x02, psh = 0x08, ack = 0x10;

struct endpoint {
  std::array<std::uint8_t, 6> mac{};
  std::uint32_t ip = 0;
  std::uint16_t port = 0;
};

// 192.0.2.0/24 is for documentation (RFC 5737): nothing is ever sent to these addresses, they only label a capture.
endpoint server_end() { return {{0x02, 0, 0, 0, 0, 0x01}, 0xC0000201, server_port}; }
endpoint phone_end(std::size_t phone, std::uint64_t connection) {
  return {{0x02, 0, 0, 0, 1, static_cast<std::uint8_t>(phone)},
          0xC0000264 + static_cast<std::uint32_t>(phone % 150),
          static_cast<std::uint16_t>(client_port_base + connection % 16384)};
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}
std::uint32_t add_words(std::uint32_t sum, std::span<const std::uint8_t> b) {
  for (std::size_t i = 0; i < b.size(); i += 2)
    sum += static_cast<std::uint32_t>(b[i] << 8 | (i + 1 < b.size() ? b[i + 1] : 0));
  return sum;
}

// One Ethernet frame carrying one TCP segment, checksums included.
bytes segment(const endpoint& from, const endpoint& to, std::uint32_t seq, std::uint32_t ack_no, std::uint8_t flags,
              std::span<const std::uint8_t> data, std::uint16_t ip_id) {
  bytes tcp;
  put_be16(tcp, from.port);
  put_be16(tcp, to.port);
  put_be32(tcp, seq);
  put_be32(tcp, (flags & ack) ? ack_no : 0);
  tcp.push_back(5 << 4);  // header length: 20 bytes
  tcp.push_back(flags);
  put_be16(tcp, 65535);   // window
  put_be16(tcp, 0);       // checksum, below
  put_be16(tcp, 0);       // urgent pointer
  tcp.insert(tcp.end(), data.begin(), data.end());
  bytes pseudo;
  put_be32(pseudo, from.ip);
  put_be32(pseudo, to.ip);
  put_be16(pseudo, 6);
  put_be16(pseudo, static_cast<std::uint16_t>(tcp.size()));
  const std::uint16_t tcp_sum = fold(add_words(add_words(0, pseudo), tcp));
  tcp[16] = static_cast<std::uint8_t>(tcp_sum >> 8);
  tcp[17] = static_cast<std::uint8_t>(tcp_sum);

  bytes ip;
  ip.push_back(0x45);
  ip.push_back(0);
  put_be16(ip, static_cast<std::uint16_t>(20 + tcp.size()));
  put_be16(ip, ip_id);
  put_be16(ip, 0x4000);  // don't fragment
  ip.push_back(64);      // TTL
  ip.push_back(6);       // TCP
  put_be16(ip, 0);
  put_be32(ip, from.ip);
  put_be32(ip, to.ip);
  const std::uint16_t ip_sum = fold(add_words(0, ip));
  ip[10] = static_cast<std::uint8_t>(ip_sum >> 8);
  ip[11] = static_cast<std::uint8_t>(ip_sum);

  bytes eth(to.mac.begin(), to.mac.end());
  eth.insert(eth.end(), from.mac.begin(), from.mac.end());
  put_be16(eth, 0x0800);
  eth.insert(eth.end(), ip.begin(), ip.end());
  eth.insert(eth.end(), tcp.begin(), tcp.end());
  return eth;
}

// One request attempt's TCP connection: its two ends and the next sequence number of each.
struct tcp_connection {
  endpoint phone, server;
  std::uint32_t phone_next = 0, server_next = 0;
  bool answered = false;
};

class wan_writer {
 public:
  void frame(const wan_frame& f) {
    if (f.data.size() < connection_id_len) return;
    std::uint64_t id = 0;
    for (std::size_t i = 0; i < connection_id_len; ++i) id |= static_cast<std::uint64_t>(f.data[i]) << (8 * i);
    const std::span<const std::uint8_t> http(f.data.data() + connection_id_len, f.data.size() - connection_id_len);
    const auto key = std::make_pair(f.link, id);
    auto it = connections_.find(key);
    if (f.side == 0) {
      if (it != connections_.end()) return;  // one request per connection id
      it = open(key, f.at);
    } else if (it == connections_.end() || it->second.answered) {
      return;  // an answer on a connection the capture never saw opened
    }
    tcp_connection& c = it->second;
    send(f.at, f.side == 0, c, http);
    if (f.side == 1) close(f.at, c);
  }

  std::string bytes_text() const { return out_.bytes_text(); }

 private:
  using key_type = std::pair<std::string, std::uint64_t>;

  std::map<key_type, tcp_connection>::iterator open(const key_type& key, sim::time_us at) {
    auto phone = phones_.try_emplace(key.first, phones_.size() + 1).first->second;
    tcp_connection c{phone_end(phone, key.second), server_end(),
                     static_cast<std::uint32_t>(0x10000000u + key.second * 0x10000u),
                     static_cast<std::uint32_t>(0x80000000u + key.second * 0x10000u)};
    put(at, c.phone, c.server, c.phone_next++, 0, syn, {});
    put(at, c.server, c.phone, c.server_next++, c.phone_next, syn | ack, {});
    put(at, c.phone, c.server, c.phone_next, c.server_next, ack, {});
    return connections_.emplace(key, c).first;
  }

  // The message in segments of at most one MSS, then the other end's acknowledgement.
  void send(sim::time_us at, bool from_phone, tcp_connection& c, std::span<const std::uint8_t> data) {
    endpoint& from = from_phone ? c.phone : c.server;
    endpoint& to = from_phone ? c.server : c.phone;
    std::uint32_t& seq = from_phone ? c.phone_next : c.server_next;
    const std::uint32_t their = from_phone ? c.server_next : c.phone_next;
    for (std::size_t at_byte = 0; at_byte < data.size(); at_byte += mss) {
      const std::size_t n = std::min(mss, data.size() - at_byte);
      put(at, from, to, seq, their, psh | ack, data.subspan(at_byte, n));
      seq += static_cast<std::uint32_t>(n);
    }
    put(at, to, from, their, seq, ack, {});
  }

  void close(sim::time_us at, tcp_connection& c) {
    c.answered = true;
    put(at, c.server, c.phone, c.server_next++, c.phone_next, fin | ack, {});
    put(at, c.phone, c.server, c.phone_next++, c.server_next, fin | ack, {});
    put(at, c.server, c.phone, c.server_next, c.phone_next, ack, {});
  }

  void put(sim::time_us at, const endpoint& from, const endpoint& to, std::uint32_t seq, std::uint32_t ack_no,
           std::uint8_t flags, std::span<const std::uint8_t> data) {
    out_.packet(at, segment(from, to, seq, ack_no, flags, data, ip_id_++));
  }

  pcap_file out_{pcap_file::linktype_ethernet};
  std::map<key_type, tcp_connection> connections_;
  std::map<std::string, std::size_t> phones_;  // WAN link -> phone number, as first seen
  std::uint16_t ip_id_ = 1;
};

}  // namespace

std::string wan_pcap(const traffic_log& traffic) {
  wan_writer w;
  for (const wan_frame& f : traffic.wan()) w.frame(f);
  return w.bytes_text();
}

}  // namespace pilesim::tools
