#include "tools/sweep_rows.hpp"

#include "tools/csv.hpp"

#include <boost/algorithm/string/join.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <fstream>

namespace pilesim::tools {

const std::vector<std::string> columns_after_axes = {
    "seed",     "result",     "ok",       "trace_hash", "invariant_failures", "failed_invariants",
    "expectation_failures", "sessions", "reconciled", "reconcile_s", "reconcile_after_end_s", "captured", "released", "events",
    "wall_s",   "repro",      "study_runs", "version", "scenario_hash"};

namespace {
// Seconds from µs, exact: "12.500000".
std::string seconds_text(sim::time_us us) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1'000'000),
                static_cast<long long>(us % 1'000'000));
  return buf;
}

boost::json::object row_json(const std::vector<std::string>& header, const std::vector<std::string>& fields) {
  boost::json::object o;
  for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) o[header[i]] = fields[i];
  return o;
}
}  // namespace

std::vector<std::string> sweep_header(const std::vector<std::string>& axis_paths) {
  std::vector<std::string> h = {"run"};
  h.insert(h.end(), axis_paths.begin(), axis_paths.end());
  h.insert(h.end(), columns_after_axes.begin(), columns_after_axes.end());
  return h;
}

std::vector<std::string> row_fields(const run_row& r) {
  std::vector<std::string> f{std::to_string(r.run)};
  f.insert(f.end(), r.params.begin(), r.params.end());
  char wall[32];
  std::snprintf(wall, sizeof wall, "%.6f", r.wall_s);
  f.insert(f.end(), {std::to_string(r.seed), r.result, r.ok ? "1" : "0", r.trace_hash,
                     std::to_string(r.failed_invariants.size()), boost::algorithm::join(r.failed_invariants, ";"),
                     std::to_string(r.expectation_failures), std::to_string(r.sessions),
                     std::to_string(r.reconciled), r.reconcile_us ? seconds_text(*r.reconcile_us) : "",
                     r.reconcile_after_end_us ? seconds_text(*r.reconcile_after_end_us) : "",
                     format_money(r.captured), format_money(r.released), std::to_string(r.events), wall,
                     r.repro, std::to_string(r.study_runs), r.version, r.scenario_hash});
  return f;
}

bool write_rows(const std::string& path, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  if (path.ends_with(".json")) {
    boost::json::array a;
    for (const auto& r : rows) a.push_back(row_json(header, r));
    out << boost::json::serialize(a) << "\n";
  } else {
    out << csv_line(header) << "\n";
    for (const auto& r : rows) out << csv_line(r) << "\n";
  }
  return static_cast<bool>(out);
}

}  // namespace pilesim::tools
