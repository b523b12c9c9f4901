#include "tools/traffic_log.hpp"

#include "pile/protocol.hpp"

#include <map>
#include <optional>
#include <tuple>

namespace pilesim::tools {

scenarios::traffic_tap traffic_log::tap() {
  scenarios::traffic_tap t;
  t.wan = [this](std::string_view link, sim::time_us at, int side, std::span<const std::uint8_t> frame) {
    wan_.push_back({std::string(link), at, side, bytes(frame.begin(), frame.end())});
  };
  t.ble = [this](std::string_view link, const sim::ble_transmission& x) {
    ble_packet p{std::string(link), x, bytes(x.payload.begin(), x.payload.end())};
    p.radio.payload = {};
    ble_.push_back(std::move(p));
  };
  return t;
}

namespace {

// One direction of one link: the packets since its connection began, put back together.
struct direction {
  std::uint64_t connection = 0;
  protocol::reassembler frames{4096};
  std::map<std::uint64_t, sim::time_us> first_try;  // packet number -> its first attempt on air
  std::optional<std::uint64_t> last_delivered;       // a retry of a delivered packet is not delivered again
  sim::time_us frame_first_at = 0;
};

constexpr std::uint8_t first_fragment = 0x80;

}  // namespace

std::vector<ble_frame> traffic_log::ble_frames() const {
  std::map<std::tuple<std::string, int>, direction> dirs;
  std::vector<ble_frame> out;
  for (const ble_packet& p : ble_) {
    if (p.radio.empty || p.payload.empty()) continue;
    direction& d = dirs[{p.link, p.radio.from}];
    if (d.connection != p.radio.connection) {  // a new connection: its packets are numbered afresh
      d = direction{};
      d.connection = p.radio.connection;
    }
    d.first_try.try_emplace(p.radio.packet, p.radio.at_us);
    if (!p.radio.got_through || d.last_delivered == p.radio.packet) continue;
    d.last_delivered = p.radio.packet;
    if (p.payload[0] & first_fragment) d.frame_first_at = d.first_try[p.radio.packet];
    auto whole = d.frames.push(p.payload);
    if (!whole) continue;
    auto f = protocol::decode(*whole);
    if (!f) continue;
    out.push_back({p.link, p.radio.from, d.frame_first_at, p.radio.at_us,
                   static_cast<std::uint8_t>(protocol::type_of(f->body)), std::string(protocol::name_of(f->body)),
                   f->seq});
  }
  return out;
}

}  // namespace pilesim::tools
