// The files `pilesim run` can write besides the trace to look at one run in other tools: `--perfetto F.json`
// (Perfetto / chrome://tracing), `--pcap-ble F.pcap` and `--pcap-wan F.pcap` (Wireshark, tshark). All are made
// after the run from its trace and the traffic a tap saw, so that the run and its trace hash do not change.
#pragma once

#include "scenarios/engine/outcome.hpp"
#include "tools/traffic_log.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pilesim::tools {

struct view_paths {
  std::string perfetto;  // empty: not asked for
  std::string pcap_ble;
  std::string pcap_wan;

  bool any() const { return !perfetto.empty() || !pcap_ble.empty() || !pcap_wan.empty(); }
};

// Writes each asked-for file; what went wrong ("--perfetto: cannot write 'x'"), or nothing.
std::optional<std::string> write_views(const view_paths& paths, std::string_view trace_jsonl,
                                       const traffic_log& traffic, const scenarios::run_outcome_report& r);

}  // namespace pilesim::tools
