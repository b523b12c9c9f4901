// `pilesim run FILE_OR_DIR...`: loads each scenario, runs it, prints the summary (or JSON), and maps the
// outcomes to one exit code: 0 all held, 1 an expectation or invariant failed, 2 bad input.
// The wall clock is read here, around a run, and nowhere inside one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pilesim::tools {

struct run_command_options {
  std::vector<std::string> paths;        // files, or folders whose *.yaml files run in name order
  std::optional<std::uint64_t> seed;
  bool json = false;                     // one document {"runs": [...], "errors": [...]} on stdout, always
  bool quiet = false;
  std::string trace_path;                // JSON lines; with several files a pattern with {stem}
  std::uint64_t checkpoint_every = 1000; // with a trace: a checkpoint line every N events (0: none)
  bool check_determinism = false;        // run each file twice and compare the traces
  std::string db_path = ":memory:";      // SQLite file (WAL); with several files a pattern with {stem}
  std::vector<std::string> sets;         // "key.path=value" overrides applied to every file (as sweeps do)
  std::string junit_path;                // JUnit XML: one testcase per file
  std::string perfetto_path;             // Chrome trace event JSON of each run; several files: a {stem} pattern
  std::string pcap_ble_path;             // the BLE packets as a Bluetooth LE link-layer capture
  std::string pcap_wan_path;             // the WAN's HTTP over synthetic Ethernet/IPv4/TCP
  std::string sessions = "auto";         // rows of sessions, reservations, balances: auto (up to 50) | all | none
};

int run_command(const run_command_options& o);

}  // namespace pilesim::tools
