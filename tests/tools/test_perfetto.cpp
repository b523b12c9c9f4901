// The Perfetto timeline of real runs against the Chrome trace event format's rules (valid ph values, named
// processes and tracks, no overlapping complete events on one track, every flow id paired, each flow end inside a
// slice of its track) and against what the run did; and the run with the timeline's taps is the same run.
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "tools/perfetto_trace.hpp"
#include "tools/traffic_log.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace pilesim;
namespace json = boost::json;

namespace {

struct timeline {
  json::value doc;
  std::string trace_hash;
  std::string plain_hash;  // the same run without trace or tap
};

timeline perfetto_of(const std::string& stem) {
  auto loaded = scenarios::load_scenario_file(std::string(PILESIM_SCENARIOS) + "/" + stem + ".yaml");
  REQUIRE(loaded.has_value());
  const auto plain = scenarios::run_scenario(*loaded, {});
  std::ostringstream trace;
  tools::traffic_log traffic;
  scenarios::run_options ro;
  ro.trace_out = &trace;
  ro.checkpoint_every = 10;
  ro.traffic = traffic.tap();
  const auto r = scenarios::run_scenario(*loaded, ro);
  const std::string text = tools::perfetto_json(trace.str(), traffic, {r.scenario, r.file, r.seed, r.trace_hash});
  return {json::parse(text), r.trace_hash, plain.trace_hash};
}

using track = std::pair<std::int64_t, std::int64_t>;
track track_of(const json::object& e) { return {e.at("pid").as_int64(), e.at("tid").as_int64()}; }

// Every rule of the format the writer must keep; returns the events for further checks.
std::vector<json::object> check_rules(const json::value& doc) {
  REQUIRE(doc.is_object());
  std::vector<json::object> events;
  for (const auto& v : doc.at("traceEvents").as_array()) events.push_back(v.as_object());
  std::set<std::int64_t> named_processes;
  std::set<track> named_tracks;
  std::map<track, std::vector<std::pair<std::int64_t, std::int64_t>>> slices;  // ts, dur
  std::map<std::int64_t, std::vector<json::object>> flows;
  for (const auto& e : events) {
    const std::string ph(e.at("ph").as_string());
    REQUIRE_MESSAGE((ph == "X" || ph == "i" || ph == "s" || ph == "f" || ph == "M"), ph);
    REQUIRE(e.at("pid").is_int64());
    REQUIRE(e.at("tid").is_int64());
    if (ph == "M") {
      if (e.at("name") == "process_name") named_processes.insert(e.at("pid").as_int64());
      if (e.at("name") == "thread_name") named_tracks.insert(track_of(e));
      continue;
    }
    REQUIRE(e.at("ts").is_int64());
    CHECK(e.at("ts").as_int64() >= 0);
    CHECK(e.at("name").is_string());
    if (ph == "X") {
      CHECK(e.at("dur").as_int64() >= 0);
      slices[track_of(e)].push_back({e.at("ts").as_int64(), e.at("dur").as_int64()});
    }
    if (ph == "i") CHECK((e.at("s") == "t" || e.at("s") == "p" || e.at("s") == "g"));
    if (ph == "s" || ph == "f") flows[e.at("id").as_int64()].push_back(e);
  }
  for (const auto& e : events) {
    if (e.at("ph") == "M") continue;
    CHECK(named_processes.count(e.at("pid").as_int64()) == 1);
    CHECK(named_tracks.count(track_of(e)) == 1);
  }
  for (auto& [t, v] : slices) {
    std::sort(v.begin(), v.end());
    for (std::size_t i = 1; i < v.size(); ++i)
      CHECK_MESSAGE(v[i].first >= v[i - 1].first + v[i - 1].second, "overlap on track ", t.first, "/", t.second);
  }
  auto inside_a_slice = [&](const json::object& e) {
    const std::int64_t ts = e.at("ts").as_int64();
    for (const auto& [s, d] : slices[track_of(e)])
      if (s <= ts && ts <= s + d) return true;
    return false;
  };
  for (const auto& [id, pair] : flows) {
    REQUIRE_MESSAGE(pair.size() == 2, "flow ", id);
    CHECK(pair[0].at("ph") == "s");
    CHECK(pair[1].at("ph") == "f");
    CHECK(pair[0].at("ts").as_int64() <= pair[1].at("ts").as_int64());
    CHECK(inside_a_slice(pair[0]));
    CHECK(inside_a_slice(pair[1]));
  }
  return events;
}

std::size_t count_if(const std::vector<json::object>& events, const std::string& ph, const std::string& cat,
                     const std::string& name_prefix = "") {
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const json::object& e) {
    return e.at("ph") == ph.c_str() && e.contains("cat") && e.at("cat") == cat.c_str() &&
           std::string(e.at("name").as_string()).starts_with(name_prefix);
  }));
}

}  // namespace

TEST_SUITE("tools/perfetto") {
  TEST_CASE("happy_path: HTTP calls, BLE exchanges and charging as spans, request and answer arrows") {
    const timeline t = perfetto_of("happy_path");
    CHECK(t.trace_hash == t.plain_hash);  // the taps and the trace change nothing
    const auto events = check_rules(t.doc);
    CHECK(count_if(events, "X", "http", "POST /v1/") == 8);  // 4 calls on the agent, 4 handled by the server
    for (const char* m : {"hello", "start", "stop", "bill", "receipt", "session_ended"})
      CHECK_MESSAGE(count_if(events, "X", "ble", m) >= 1, m);
    REQUIRE(count_if(events, "X", "charging") == 1);
    for (const auto& e : events)
      if (e.at("ph") == "X" && e.at("cat") == "charging") {
        CHECK(e.at("ts").as_int64() == 660469454);  // the pile's idle -> charging
        CHECK(e.at("ts").as_int64() + e.at("dur").as_int64() == 4260242219);  // and charging -> idle
      }
    // Request and answer of 4 HTTP calls and 6 BLE exchanges (hello, start, hello, stop, bill, receipt).
    CHECK(count_if(events, "s", "flow") == 20);
    CHECK(t.doc.at("otherData").at("trace_hash") == t.trace_hash.c_str());
  }

  TEST_CASE("faults, drops, duplicates and refusals are instants of their own category, within the rules") {
    const timeline lossy = perfetto_of("fault_ble_lossy_duplicating");
    const auto a = check_rules(lossy.doc);
    CHECK(lossy.trace_hash == lossy.plain_hash);
    CHECK(count_if(a, "i", "duplicate") > 0);
    CHECK(count_if(a, "X", "fault") >= 1);
    const timeline down = perfetto_of("fault_server_down_start");
    const auto b = check_rules(down.doc);
    CHECK(count_if(b, "i", "drop") > 0);
    CHECK(count_if(b, "i", "fault") > 0);
    const timeline refused = perfetto_of("insufficient_balance");
    CHECK(count_if(check_rules(refused.doc), "i", "refusal") > 0);
  }

  TEST_CASE("every scenario's timeline keeps the rules") {
    for (const char* stem : {"cancel", "fault_retries_race_receipt", "fault_duplicated_start", "fault_pile_power_loss",
                             "fault_app_killed_wiped", "reservation_conflict", "fault_ble_radio_dead"}) {
      CAPTURE(stem);
      const timeline t = perfetto_of(stem);
      CHECK(t.trace_hash == t.plain_hash);
      check_rules(t.doc);
    }
  }
}
