// The capture writers on hand-made traffic: the file's link types, TCP segments of at most one MSS with
// consecutive sequence numbers, an L2CAP PDU longer than an LL payload cut into start and continuation PDUs.
// (tests/tools/pcap_test.sh has Wireshark decode the captures of real runs.)
#include "tools/pcap_capture.hpp"
#include "tools/traffic_log.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace pilesim;

namespace {

struct record {
  std::uint32_t sec, usec;
  std::string data;
};

std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(s[at + static_cast<std::size_t>(i)]);
  return v;
}
std::uint32_t be32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint8_t>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

std::vector<record> records(const std::string& file) {
  std::vector<record> out;
  for (std::size_t at = 24; at + 16 <= file.size();) {
    const std::uint32_t n = le32(file, at + 8);
    out.push_back({le32(file, at), le32(file, at + 4), file.substr(at + 16, n)});
    at += 16 + n;
  }
  return out;
}

bytes wan_message(std::uint64_t connection, const std::string& http) {
  bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(connection >> (8 * i)));
  b.insert(b.end(), http.begin(), http.end());
  return b;
}

}  // namespace

TEST_SUITE("tools/pcap") {
  TEST_CASE("WAN: Ethernet link type, handshake, a long request in MSS segments, the answer, the close") {
    tools::traffic_log log;
    auto tap = log.tap();
    const std::string body(3000, 'x');
    const bytes request = wan_message(7, "POST /v1/x HTTP/1.1\r\nContent-Length: 3000\r\n\r\n" + body);
    const bytes answer = wan_message(7, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    tap.wan("wan/alice", 1'500'000, 0, request);
    tap.wan("wan/alice", 2'250'000, 1, answer);
    const std::string file = tools::wan_pcap(log);
    CHECK(le32(file, 0) == 0xa1b2c3d4);
    CHECK(le32(file, 20) == 1);  // LINKTYPE_ETHERNET
    const auto r = records(file);
    // SYN, SYN-ACK, ACK; 3 request segments and their ACK; the answer and its ACK; FIN, FIN, ACK.
    REQUIRE(r.size() == 3 + 4 + 2 + 3);
    CHECK(r[0].sec == 1);
    CHECK(r[0].usec == 500'000);
    std::uint32_t next = be32(r[0].data, 14 + 20 + 4) + 1;  // after the SYN
    std::size_t sent = 0;
    for (std::size_t i = 3; i < 6; ++i) {
      const std::size_t payload = r[i].data.size() - 14 - 20 - 20;
      CHECK(payload <= 1460);
      CHECK(be32(r[i].data, 14 + 20 + 4) == next);
      next += static_cast<std::uint32_t>(payload);
      sent += payload;
    }
    CHECK(sent == request.size() - 8);
    CHECK(be32(r[6].data, 14 + 20 + 8) == next);  // the server acknowledges every byte
    CHECK(r[7].sec == 2);
  }

  TEST_CASE("BLE: link type 256, a CONNECT_IND first, a long packet as an L2CAP start and a continuation") {
    tools::traffic_log log;
    auto tap = log.tap();
    const bytes payload(300, 0xAB);
    sim::ble_transmission x;
    x.connection = 1;
    x.event = 3;
    x.at_us = 1'000'000;
    x.from = sim::ble_link::phone;
    x.got_through = true;
    x.payload = payload;
    tap.ble("ble/P1/alice", x);
    const std::string file = tools::ble_pcap(log);
    CHECK(le32(file, 20) == 256);
    const auto r = records(file);
    REQUIRE(r.size() == 3);
    const std::size_t pdu = 10 + 4;  // pseudo-header, access address
    CHECK((static_cast<std::uint8_t>(r[0].data[pdu]) & 0x0F) == 0x05);  // CONNECT_IND
    CHECK(le32(r[0].data, 10) == 0x8E89BED6);
    CHECK((static_cast<std::uint8_t>(r[1].data[pdu]) & 0x03) == 0x02);  // LLID: start of an L2CAP message
    CHECK(static_cast<std::uint8_t>(r[1].data[pdu + 1]) == 251);
    CHECK((static_cast<std::uint8_t>(r[2].data[pdu]) & 0x03) == 0x01);  // continuation
    CHECK(static_cast<std::uint8_t>(r[2].data[pdu + 1]) == 4 + 3 + 300 - 251);
    CHECK(static_cast<std::uint8_t>(r[1].data[pdu + 2 + 4]) == 0x52);  // ATT Write Command
  }
}
