// `run --perfetto F.json`: one run as a timeline in the Chrome trace event format, which Perfetto's UI and
// chrome://tracing open. Virtual time in µs as timestamps; a process per kind of actor (server, agents, piles,
// BLE links, WAN links, users, faults) and a track per actor. Complete events ("X") for HTTP calls (from the first
// request on the wire to the answer or the agent giving up), BLE exchanges (from the request's first packet on air
// to the reply's last one getting through), charging on the pile and fault windows; an instant ("i") for every
// event of the trace, its category naming drops, duplicates, faults and refusals; flow arrows ("s"/"f") from
// each request to where it was handled and from there to its answer.
// It is derived after the run from what the run recorded (its trace lines and the traffic a tap saw), so the run,
// its trace and its trace hash are the same with or without it. Complete events never overlap on one track:
// spans that would go on a second lane of that actor, a track of its own named "actor (2)".
#pragma once

#include "tools/traffic_log.hpp"

#include <string>
#include <string_view>

namespace pilesim::tools {

struct perfetto_meta {
  std::string scenario;
  std::string file;
  std::uint64_t seed = 0;
  std::string trace_hash;
};

// `trace_jsonl`: the run's trace as `run --trace` writes it (checkpoint lines are skipped).
std::string perfetto_json(std::string_view trace_jsonl, const traffic_log& traffic, const perfetto_meta& meta);

}  // namespace pilesim::tools
