#include "tools/run_views.hpp"

#include "tools/pcap_capture.hpp"
#include "tools/perfetto_trace.hpp"

#include <fstream>

namespace pilesim::tools {
namespace {

std::optional<std::string> write_file(const char* flag, const std::string& path, std::string_view bytes) {
  if (path.empty()) return std::nullopt;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return std::string(flag) + ": cannot write '" + path + "'";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> write_views(const view_paths& paths, std::string_view trace_jsonl,
                                       const traffic_log& traffic, const scenarios::run_outcome_report& r) {
  if (!paths.perfetto.empty()) {
    const std::string doc = perfetto_json(trace_jsonl, traffic, {r.scenario, r.file, r.seed, r.trace_hash});
    if (auto e = write_file("--perfetto", paths.perfetto, doc)) return e;
  }
  if (!paths.pcap_ble.empty())
    if (auto e = write_file("--pcap-ble", paths.pcap_ble, ble_pcap(traffic))) return e;
  if (!paths.pcap_wan.empty())
    if (auto e = write_file("--pcap-wan", paths.pcap_wan, wan_pcap(traffic))) return e;
  return std::nullopt;
}

}  // namespace pilesim::tools
