#include "tools/run_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/report.hpp"
#include "scenarios/engine/world.hpp"
#include "tools/database_path.hpp"
#include "tools/exit_codes.hpp"
#include "tools/input_errors.hpp"
#include "tools/junit_report.hpp"
#include "tools/per_file_path.hpp"
#include "tools/repro_command.hpp"
#include "tools/run_views.hpp"
#include "tools/scenario_hash.hpp"
#include "tools/scenario_paths.hpp"
#include "tools/set_flags.hpp"
#include "tools/trace_diff.hpp"
#include "tools/traffic_log.hpp"
#include "tools/version.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace pilesim::tools {
namespace {
// The failed checks of a run, one per line, for a JUnit failure body.
std::string failed_checks(const scenarios::run_outcome_report& r) {
  std::string text;
  if (r.expect_fail && r.passed) text += "expected to fail, but every check held\n";
  if (!r.kernel_failure.empty()) text += "kernel: " + r.kernel_failure + "\n";
  for (const auto& c : r.invariants)
    if (!c.held) text += "invariant " + c.what + (c.detail.empty() ? "" : ": " + c.detail) + "\n";
  for (const auto& c : r.expectations)
    if (!c.held) text += "expectation " + c.what + (c.detail.empty() ? "" : ": " + c.detail) + "\n";
  return text;
}

// One JUnit testcase for file `f`; `kind` 'f' failed, 'e' errored, anything else passed.
junit_case junit_for(const std::string& f, char kind, std::string message, std::string text, double time_s = 0) {
  junit_case c;
  c.name = std::filesystem::path(f).stem().string();
  c.file = f;
  c.time_s = time_s;
  c.failed = kind == 'f';
  c.errored = kind == 'e';
  c.message = std::move(message);
  c.text = std::move(text);
  return c;
}

// The testcase of a run of `f` that finished: its seed, hashes and repro line, and when it did not hold, the
// checks that failed, placed at the first failed expectation's file and line.
junit_case junit_for_run(const std::string& f, const scenarios::run_outcome_report& r, const std::string& repro) {
  junit_case c = r.ok() ? junit_for(f, 'p', "", "", r.wall_s)
                        : junit_for(f, 'f', "seed " + std::to_string(r.seed) + "; reproduce with: " + repro,
                                    failed_checks(r), r.wall_s);
  c.properties = {{"seed", std::to_string(r.seed)},
                  {"trace_hash", r.trace_hash},
                  {"scenario_hash", scenario_hash(f).value_or("")},
                  {"version", std::string(pilesim_version())}};
  c.system_out = repro + "\n";
  if (r.ok()) return c;
  for (const auto& e : r.expectations)
    if (!e.held && e.line > 0) {
      c.file = e.file;
      c.line = e.line;
      break;
    }
  return c;
}

// The files of one `pilesim run`, run in turn: each adds its JUnit case and prints its report. With --json the
// runs stream into one document as they finish, and every input error joins its "errors" list.
struct batch {
  const run_command_options& o;
  std::vector<scenarios::override_setting> overrides;
  bool many = false;  // several files: summaries are set apart
  std::vector<std::string> trace_paths;  // one per file; empty: no trace
  std::vector<view_paths> views;         // one per file
  std::vector<std::string> db_paths;     // one per file
  input_errors errors;
  bool first_json = true;
  std::string single_json;  // one file: its report, also spread at the top level (format v1's document)
  std::vector<junit_case> junit;

  // Loads, runs and reports file number `i`; its exit code.
  int run_file(std::size_t i, const std::string& f) {
    auto loaded = scenarios::load_scenario_file(f, overrides);
    if (!loaded) {
      std::string text;
      for (const auto& d : loaded.error()) {
        errors.add(d);
        text += scenarios::to_string(d) + "\n";
      }
      junit.push_back(junit_for(f, 'e', scenarios::to_string(loaded.error().front()), text));
      return exit_bad_input;
    }
    scenarios::run_options ro;
    ro.seed = o.seed;
    ro.db_path = db_paths[i];
    ro.checkpoint_every = o.checkpoint_every;
    if (auto problem = database_path_problem(ro.db_path)) return refuse(f, "--db: " + *problem);
    std::ofstream trace_file;
    if (!trace_paths[i].empty()) {
      trace_file.open(trace_paths[i], std::ios::binary | std::ios::trunc);
      if (!trace_file) return refuse(f, "--trace: cannot write '" + trace_paths[i] + "'");
    }
    // The views are made from the trace and the traffic: both are recorded when one is asked for (observers
    // only: the same run, the same trace hash).
    std::ostringstream trace_text;
    traffic_log traffic;
    if (views[i].any()) {
      ro.trace_out = &trace_text;
      ro.traffic = traffic.tap();
    } else if (trace_file.is_open()) {
      ro.trace_out = &trace_file;
    }
    scenarios::run_outcome_report r;
    std::optional<std::string> divergence;
    try {
      const auto t0 = std::chrono::steady_clock::now();
      auto checks_from = t0;
      ro.simulated = [&checks_from] { checks_from = std::chrono::steady_clock::now(); };
      if (o.check_determinism) divergence = run_twice(*loaded, ro, r);
      else r = scenarios::run_scenario(*loaded, ro);
      const auto t1 = std::chrono::steady_clock::now();
      r.wall_s = std::chrono::duration<double>(t1 - t0).count();
      r.check_wall_s = std::chrono::duration<double>(t1 - checks_from).count();
    } catch (const scenarios::world_error& e) {
      return refuse(f, e.what());
    }
    if (views[i].any()) {
      if (trace_file.is_open()) trace_file << trace_text.str();
      if (auto problem = write_views(views[i], trace_text.str(), traffic, r)) return refuse(f, *problem);
    }
    report(f, r);
    if (!divergence) return r.ok() ? exit_ok : exit_failed;
    std::cerr << f << ": NOT DETERMINISTIC (seed " << r.seed << "): two runs gave different traces\n" << *divergence;
    junit.back().failed = true;
    junit.back().message = "not deterministic: seed " + std::to_string(r.seed);
    junit.back().text = *divergence;
    return exit_failed;
  }

  // Runs `s` twice, each traced in memory (the first also to `ro.trace_out`); the first run's outcome goes to `r`.
  // Nothing when the two traces are the same byte for byte, else where they part.
  static std::optional<std::string> run_twice(const scenarios::scenario& s, scenarios::run_options ro,
                                              scenarios::run_outcome_report& r) {
    std::ostream* file = ro.trace_out;
    std::stringstream first, second;
    ro.trace_out = &first;
    r = scenarios::run_scenario(s, ro);
    ro.trace_out = &second;
    ro.traffic = {};  // the views show the first run
    const scenarios::run_outcome_report again = scenarios::run_scenario(s, ro);
    if (file) *file << first.str();
    if (first.str() == second.str() && r.trace_hash == again.trace_hash) return std::nullopt;
    std::ostringstream text;
    text << "trace hashes: " << r.trace_hash << " then " << again.trace_hash << "\n";
    const auto d = first_divergence(first, second, 5);
    if (d) print_divergence(text, *d);
    else text << d.error().message << "\n";
    return text.str();
  }

  scenarios::session_rows rows() const {
    if (o.sessions == "all") return scenarios::session_rows::all;
    if (o.sessions == "none") return scenarios::session_rows::none;
    return scenarios::session_rows::automatic;
  }

  int refuse(const std::string& f, const std::string& message) {
    errors.add(f, message);
    junit.push_back(junit_for(f, 'e', message, message));
    return exit_bad_input;
  }

  void report(const std::string& f, const scenarios::run_outcome_report& r) {
    const std::string repro = repro_line(f, r.seed, o.sets);
    junit.push_back(junit_for_run(f, r, repro));
    if (o.json) {
      scenarios::report_options ro{repro, repro_command(f, r.seed, o.sets),
                                   repro_note(pilesim_version(), scenario_hash(f).value_or("")), rows()};
      std::string json = scenarios::to_json(r, ro);
      std::cout << (first_json ? "" : ",") << json;
      first_json = false;
      if (!many) single_json = std::move(json);
    } else if (!o.quiet || !r.ok()) {
      scenarios::print_summary(std::cout, r, repro, rows());
      if (many) std::cout << "\n";
    }
    if (!r.ok())
      std::cerr << f << ": " << (r.expect_fail ? "expected to fail but passed" : "FAILED") << " (seed " << r.seed
                << "); reproduce with: " << repro << "\n";
  }
};

// Each file's --perfetto, --pcap-ble and --pcap-wan paths (patterns with {stem} for several files, as --trace).
std::vector<view_paths> view_paths_per_file(const run_command_options& o, const std::vector<std::string>& files,
                                            input_errors& early) {
  std::vector<view_paths> out(files.size());
  const std::pair<const char*, std::string view_paths::*> flags[] = {
      {"--perfetto", &view_paths::perfetto}, {"--pcap-ble", &view_paths::pcap_ble}, {"--pcap-wan", &view_paths::pcap_wan}};
  const std::string* given[] = {&o.perfetto_path, &o.pcap_ble_path, &o.pcap_wan_path};
  for (std::size_t k = 0; k < 3; ++k) {
    auto paths = per_file_paths(flags[k].first, *given[k], files);
    if (!paths) {
      early.add(paths.error().message);
      continue;
    }
    for (std::size_t i = 0; i < files.size(); ++i) out[i].*flags[k].second = (*paths)[i];
  }
  return out;
}

// Input errors found before anything runs: said on stderr, and as the whole JSON document with --json.
int refuse_all(const run_command_options& o, const input_errors& errors) {
  if (o.json) std::cout << "{\"runs\":[],\"errors\":" << errors.json() << "}\n";
  return exit_bad_input;
}
}  // namespace

int run_command(const run_command_options& o) {
  input_errors early(std::cerr);
  const scenario_paths found = expand_scenario_paths(o.paths);
  for (const auto& p : found.problems) early.add(p.path, p.reason);
  std::ostringstream flag_errors;
  auto overrides = parse_set_flags(o.sets, flag_errors);
  if (!overrides) early.add_lines(flag_errors.str());
  auto traces = per_file_paths("--trace", o.trace_path, found.files);
  if (!traces) early.add(traces.error().message);
  auto dbs = per_file_paths("--db", o.db_path == ":memory:" ? "" : o.db_path, found.files);
  if (!dbs) early.add(dbs.error().message);
  auto views = view_paths_per_file(o, found.files, early);
  if (o.check_determinism && o.db_path != ":memory:")
    early.add("--check-determinism runs each file twice in memory; it takes no --db");
  if (!early.empty()) return refuse_all(o, early);

  batch b{o, std::move(*overrides), found.files.size() > 1, std::move(*traces), std::move(views), std::move(*dbs),
          input_errors(std::cerr), true, {}, {}};
  for (auto& p : b.db_paths)
    if (p.empty()) p = ":memory:";
  int rc = exit_ok;
  if (o.json) std::cout << "{\"runs\":[";
  for (std::size_t i = 0; i < found.files.size(); ++i) rc = std::max(rc, b.run_file(i, found.files[i]));
  if (o.json) {
    std::cout << "],\"errors\":" << b.errors.json();
    // Format v1 reads one run's fields at the top level: with one file they are there as well as in runs[0].
    const std::string_view single = b.single_json;
    if (single.size() > 2) std::cout << "," << single.substr(1, single.size() - 2);
    std::cout << "}\n";
  }
  if (!o.junit_path.empty()) {
    std::ofstream out(o.junit_path, std::ios::binary | std::ios::trunc);
    write_junit(out, "pilesim", {{"version", std::string(pilesim_version())}}, b.junit);
    if (!out) {
      std::cerr << o.junit_path << ": cannot write the JUnit report\n";
      return exit_bad_input;
    }
  }
  return rc;
}

}  // namespace pilesim::tools
