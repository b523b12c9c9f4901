// `run --pcap-ble F.pcap` and `--pcap-wan F.pcap`: the traffic of one run as captures Wireshark decodes.
//   BLE: link type 256 (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR). Every radio transmission of the run, as a sniffer
//        would see it: a connection request (CONNECT_IND) on an advertising channel when a connection begins, then
//        data channel PDUs with their header bits (LLID, NESN, SN, MD) and CRC; a packet that did not get through
//        is flagged with a bad CRC. The pile protocol packets ride in ATT inside L2CAP (CID 4): the phone's as
//        Write Commands to handle 0x0010, the pile's as Handle Value Notifications from 0x0012; an L2CAP PDU
//        longer than an LL payload is cut into start and continuation PDUs.
//   WAN: link type 1 (Ethernet) with IPv4 and TCP around the HTTP bytes, each request attempt (a connection id of
//        the framing) a TCP connection of its own from the phone (192.0.2.100 + n, documentation addresses) to the
//        server (192.0.2.1:80): handshake, the request and the answer in segments of at most 1460 bytes with
//        consistent sequence and acknowledgement numbers, a close after the answer; IPv4 and TCP checksums set.
// Both are made from what a traffic tap saw as it was sent, so a lost frame is in the capture as sent.
#pragma once

#include "tools/traffic_log.hpp"

#include <string>

namespace pilesim::tools {

std::string ble_pcap(const traffic_log& traffic);
std::string wan_pcap(const traffic_log& traffic);

}  // namespace pilesim::tools
