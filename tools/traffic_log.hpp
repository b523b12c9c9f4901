// What a run sent on its links, kept by a traffic_tap (an observer: a run with it is the same run, trace hash
// included) for the writers that show traffic: the Perfetto timeline and the pcap captures. WAN frames as the
// phone or the server handed them to the link; BLE radio transmissions as they went on air, and the pile
// protocol frames they carried, put back together from the packets that got through.
#pragma once

#include "scenarios/engine/world.hpp"
#include "sim/ble_link.hpp"
#include "sim/bytes.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pilesim::tools {

struct wan_frame {
  std::string link;  // "wan/alice"
  sim::time_us at = 0;
  int side = 0;      // 0 the phone (requests), 1 the server (answers)
  bytes data;        // the HTTP message's bytes
};

struct ble_packet {
  std::string link;            // "ble/P1/alice"
  sim::ble_transmission radio; // its payload span is empty here: the bytes are in `payload`
  bytes payload;
};

// One pile protocol frame, from its first packet's first attempt on air to its last packet getting through.
struct ble_frame {
  std::string link;
  int from = 0;                 // sim::ble_link::phone or ::pile
  sim::time_us first_at = 0;
  sim::time_us done_at = 0;
  std::uint8_t type = 0;        // protocol::type
  std::string name;             // "start", "start_reply"
  std::uint16_t seq = 0;
};

class traffic_log {
 public:
  // A tap that records into this log; the log must outlive the run.
  scenarios::traffic_tap tap();

  const std::vector<wan_frame>& wan() const { return wan_; }
  const std::vector<ble_packet>& ble() const { return ble_; }
  // The frames the BLE packets carried, in the order they were completed; frames that could not be decoded
  // (a corrupted packet) are left out.
  std::vector<ble_frame> ble_frames() const;

 private:
  std::vector<wan_frame> wan_;
  std::vector<ble_packet> ble_;
};

}  // namespace pilesim::tools
