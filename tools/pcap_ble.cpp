// The BLE half of pcap_capture.hpp: LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR records.
#include "tools/pcap_capture.hpp"
#include "tools/pcap_file.hpp"

#include "sim/ble_link.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace pilesim::tools {
namespace {

constexpr std::uint32_t advertising_access_address = 0x8E89BED6;
constexpr std::uint32_t advertising_crc_init = 0x555555;
constexpr std::size_t ll_payload_max = 251;  // LE Data Length Extension
constexpr std::uint16_t att_cid = 0x0004;
constexpr std::uint8_t att_write_command = 0x52, att_notification = 0x1B;
constexpr std::uint16_t phone_writes_to = 0x0010, pile_notifies_from = 0x0012;

// Pseudo-header flags (tcpdump's LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR): dewhitened, reference access address
// valid, CRC checked (and valid), PDU type 2 (data, central to peripheral) or 3 (peripheral to central).
constexpr std::uint16_t flag_dewhitened = 0x0001, flag_reference_valid = 0x0010, flag_crc_checked = 0x0400,
                        flag_crc_valid = 0x0800;
constexpr std::uint16_t pdu_type_shift = 7, pdu_advertising = 0, pdu_central = 2, pdu_peripheral = 3;

// FNV-1a, for addresses and access addresses that stay the same for the same link and connection.
std::uint32_t fnv(std::string_view s, std::uint64_t salt) {
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<std::uint8_t>(c)) * 16777619u;
  for (int i = 0; i < 8; ++i) h = (h ^ static_cast<std::uint8_t>(salt >> (8 * i))) * 16777619u;
  return h;
}

// The Link Layer CRC (polynomial x^24 + x^10 + x^9 + x^6 + x^4 + x^3 + x + 1), bits taken least significant first.
std::uint32_t ll_crc(std::uint32_t init, std::span<const std::uint8_t> pdu) {
  std::uint32_t state = init & 0xFFFFFF;
  for (std::uint8_t byte : pdu)
    for (int bit = 0; bit < 8; ++bit, byte >>= 1) {
      const bool next = ((state ^ byte) & 1) != 0;
      state >>= 1;
      if (next) state = (state | 0x800000) ^ 0x5A6000;
    }
  return state;
}

// RF channel (frequency - 2402 MHz) / 2 of a data channel index 0..36 or an advertising one 37..39.
std::uint8_t rf_channel(unsigned index) {
  if (index == 37) return 0;
  if (index == 38) return 12;
  if (index == 39) return 39;
  return static_cast<std::uint8_t>(index <= 10 ? index + 1 : index + 2);
}

struct connection_keys {
  std::uint32_t access_address = 0;
  std::uint32_t crc_init = 0;
  std::array<std::uint8_t, 6> central{}, peripheral{};
};

connection_keys keys_of(const std::string& link, std::uint64_t connection) {
  connection_keys k;
  k.access_address = fnv(link, connection) | 0x01000000u;
  if (k.access_address == advertising_access_address) k.access_address ^= 0x00010000u;
  k.crc_init = fnv(link, ~connection) & 0xFFFFFF;
  const std::uint32_t phone = fnv(link.substr(link.rfind('/') + 1), 1), pile = fnv(link.substr(0, link.rfind('/')), 2);
  for (int i = 0; i < 4; ++i) {
    k.central[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(phone >> (8 * i));
    k.peripheral[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(pile >> (8 * i));
  }
  k.central[5] = k.peripheral[5] = 0xC0;  // random static addresses: the two top bits set
  return k;
}

// One record: pseudo-header, access address, PDU, CRC (made bad for a packet that did not get through).
void ll_record(pcap_file& out, sim::time_us at, unsigned channel, std::uint32_t aa, std::uint32_t crc_init,
               std::uint16_t pdu_type, std::span<const std::uint8_t> pdu, bool got_through) {
  bytes r;
  r.push_back(rf_channel(channel));
  r.push_back(0);  // signal power (not valid)
  r.push_back(0);  // noise power (not valid)
  r.push_back(0);  // access address offenses
  put_le32(r, aa);
  put_le16(r, static_cast<std::uint16_t>(flag_dewhitened | flag_reference_valid | flag_crc_checked |
                                         (got_through ? flag_crc_valid : 0) | (pdu_type << pdu_type_shift)));
  put_le32(r, aa);
  r.insert(r.end(), pdu.begin(), pdu.end());
  std::uint32_t crc = ll_crc(crc_init, pdu);
  if (!got_through) crc ^= 0x000001;
  for (int i = 0; i < 3; ++i) r.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  out.packet(at, r);
}

// CONNECT_IND from the phone on advertising channel 37, so that Wireshark knows the connection's addresses.
void connect_ind(pcap_file& out, sim::time_us at, const connection_keys& k, std::uint16_t interval_units) {
  bytes pdu{0x05 | 0x40 | 0x80, 34};  // CONNECT_IND, TxAdd and RxAdd random
  pdu.insert(pdu.end(), k.central.begin(), k.central.end());
  pdu.insert(pdu.end(), k.peripheral.begin(), k.peripheral.end());
  put_le32(pdu, k.access_address);
  for (int i = 0; i < 3; ++i) pdu.push_back(static_cast<std::uint8_t>(k.crc_init >> (8 * i)));
  pdu.push_back(2);                 // transmit window size, 1.25 ms units
  put_le16(pdu, 0);                 // transmit window offset
  put_le16(pdu, interval_units);    // connection interval, 1.25 ms units
  put_le16(pdu, 0);                 // peripheral latency
  put_le16(pdu, 400);               // supervision timeout, 10 ms units
  for (int i = 0; i < 4; ++i) pdu.push_back(0xFF);  // channel map: all 37 data channels
  pdu.push_back(0x1F);
  pdu.push_back(7);                 // hop increment 7, sleep clock accuracy 0
  ll_record(out, at, 37, advertising_access_address, advertising_crc_init, pdu_advertising, pdu, true);
}

// The data PDUs of one transmission: an empty PDU, or the packet in ATT in L2CAP, cut at the LL payload size.
void data_records(pcap_file& out, const ble_packet& p, const connection_keys& k) {
  const auto& x = p.radio;
  const unsigned channel = static_cast<unsigned>((x.event * 7) % 37);
  const std::uint16_t type = x.from == sim::ble_link::phone ? pdu_central : pdu_peripheral;
  const std::uint8_t bits = static_cast<std::uint8_t>((x.nesn & 1) << 2 | (x.sn & 1) << 3 | (x.more_data ? 0x10 : 0));
  if (x.empty || p.payload.empty()) {
    const bytes pdu{static_cast<std::uint8_t>(0x01 | bits), 0};
    ll_record(out, x.at_us, channel, k.access_address, k.crc_init, type, pdu, x.got_through);
    return;
  }
  bytes l2cap;
  put_le16(l2cap, static_cast<std::uint16_t>(3 + p.payload.size()));
  put_le16(l2cap, att_cid);
  l2cap.push_back(x.from == sim::ble_link::phone ? att_write_command : att_notification);
  put_le16(l2cap, x.from == sim::ble_link::phone ? phone_writes_to : pile_notifies_from);
  l2cap.insert(l2cap.end(), p.payload.begin(), p.payload.end());
  for (std::size_t at = 0; at < l2cap.size(); at += ll_payload_max) {
    const std::size_t n = std::min(ll_payload_max, l2cap.size() - at);
    bytes pdu{static_cast<std::uint8_t>((at == 0 ? 0x02 : 0x01) | bits), static_cast<std::uint8_t>(n)};
    pdu.insert(pdu.end(), l2cap.begin() + static_cast<long>(at), l2cap.begin() + static_cast<long>(at + n));
    ll_record(out, x.at_us, channel, k.access_address, k.crc_init, type, pdu, x.got_through);
  }
}

// Each connection's interval in 1.25 ms units, from its first two events (30 ms when it had only one).
std::map<std::tuple<std::string, std::uint64_t>, std::uint16_t> intervals(const std::vector<ble_packet>& all) {
  std::map<std::tuple<std::string, std::uint64_t>, const sim::ble_transmission*> first;
  std::map<std::tuple<std::string, std::uint64_t>, std::uint16_t> out;
  for (const ble_packet& p : all) {
    const auto key = std::make_tuple(p.link, p.radio.connection);
    const auto* f = first.try_emplace(key, &p.radio).first->second;
    if (f->event == p.radio.event || out.contains(key)) continue;
    const auto per_event = (p.radio.at_us - f->at_us) / static_cast<sim::time_us>(p.radio.event - f->event);
    out[key] = static_cast<std::uint16_t>(std::clamp<sim::time_us>(per_event / 1250, 6, 3200));
  }
  for (const auto& [key, f] : first) out.try_emplace(key, 24);
  return out;
}

}  // namespace

std::string ble_pcap(const traffic_log& traffic) {
  pcap_file out(pcap_file::linktype_bluetooth_le_ll_with_phdr);
  const auto interval = intervals(traffic.ble());
  std::map<std::tuple<std::string, std::uint64_t>, connection_keys> seen;
  for (const ble_packet& p : traffic.ble()) {
    const auto key = std::make_tuple(p.link, p.radio.connection);
    auto it = seen.find(key);
    if (it == seen.end()) {
      it = seen.emplace(key, keys_of(p.link, p.radio.connection)).first;
      const sim::time_us units = interval.at(key);
      const sim::time_us lead = static_cast<sim::time_us>(p.radio.event) * units * 1250 + 1250;
      connect_ind(out, std::max<sim::time_us>(0, p.radio.at_us - lead), it->second, static_cast<std::uint16_t>(units));
    }
    data_records(out, p, it->second);
  }
  return out.bytes_text();
}

}  // namespace pilesim::tools
