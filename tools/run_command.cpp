#include "tools/run_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/report.hpp"
#include "scenarios/engine/world.hpp"
#include "tools/exit_codes.hpp"
#include "tools/junit_report.hpp"
#include "tools/repro_command.hpp"
#include "tools/set_flags.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

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

// The files of one `pilesim run`, run in turn: each adds its JUnit case and prints its report.
struct batch {
  const run_command_options& o;
  std::vector<scenarios::override_setting> overrides;
  bool many = false;  // several files: the JSON is an array and summaries are set apart
  std::ofstream trace_file;
  bool first_json = true;
  std::vector<junit_case> junit;

  // Loads, runs and reports one file; its exit code.
  int run_file(const std::string& f) {
    auto loaded = scenarios::load_scenario_file(f, overrides);
    if (!loaded) {
      std::string text;
      for (const auto& d : loaded.error()) {
        std::cerr << scenarios::to_string(d) << "\n";
        text += scenarios::to_string(d) + "\n";
      }
      junit.push_back(junit_for(f, 'e', scenarios::to_string(loaded.error().front()), text));
      return exit_bad_input;
    }
    scenarios::run_options ro;
    ro.seed = o.seed;
    ro.db_path = o.db_path;
    if (trace_file.is_open()) {
      trace_file.seekp(0);
      ro.trace_out = &trace_file;
    }
    scenarios::run_outcome_report r;
    try {
      const auto t0 = std::chrono::steady_clock::now();
      r = scenarios::run_scenario(*loaded, ro);
      r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } catch (const scenarios::world_error& e) {
      std::cerr << f << ": " << e.what() << "\n";
      junit.push_back(junit_for(f, 'e', e.what(), e.what()));
      return exit_bad_input;
    }
    report(f, r);
    return r.ok() ? exit_ok : exit_failed;
  }

  void report(const std::string& f, const scenarios::run_outcome_report& r) {
    const std::string repro = repro_command(f, r.seed, o.sets);
    if (r.ok())
      junit.push_back(junit_for(f, 'p', "", "", r.wall_s));
    else
      junit.push_back(junit_for(f, 'f', "seed " + std::to_string(r.seed) + "; reproduce with: " + repro,
                                failed_checks(r), r.wall_s));
    if (o.json) {
      if (many && !first_json) std::cout << ",";
      std::cout << scenarios::to_json(r) << (many ? "" : "\n");
      first_json = false;
    } else if (!o.quiet || !r.ok()) {
      scenarios::print_summary(std::cout, r, repro);
      if (many) std::cout << "\n";
    }
    if (!r.ok())
      std::cerr << f << ": " << (r.expect_fail ? "expected to fail but passed" : "FAILED") << " (seed " << r.seed
                << "); reproduce with: " << repro << "\n";
  }
};
}  // namespace

std::vector<std::string> expand_scenario_paths(const std::vector<std::string>& paths, bool& bad) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".yaml") found.push_back(e.path().string());
      std::sort(found.begin(), found.end());  // directory order differs between machines
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::cerr << p << ": no such file or directory\n";
      bad = true;
    }
  }
  return files;
}

int run_command(const run_command_options& o) {
  bool bad = false;
  const std::vector<std::string> files = expand_scenario_paths(o.paths, bad);
  if (bad) return exit_bad_input;
  auto overrides = parse_set_flags(o.sets, std::cerr);
  if (!overrides) return exit_bad_input;
  batch b{o, std::move(*overrides), files.size() > 1, {}, true, {}};
  if (!o.trace_path.empty()) {
    b.trace_file.open(o.trace_path, std::ios::binary | std::ios::trunc);
    if (!b.trace_file) {
      std::cerr << o.trace_path << ": cannot write the trace\n";
      return exit_bad_input;
    }
  }
  int rc = exit_ok;
  if (o.json && b.many) std::cout << "[";
  for (const std::string& f : files) rc = std::max(rc, b.run_file(f));
  if (o.json && b.many) std::cout << "]\n";
  if (!o.junit_path.empty()) {
    std::ofstream out(o.junit_path, std::ios::binary | std::ios::trunc);
    write_junit(out, "pilesim", b.junit);
    if (!out) {
      std::cerr << o.junit_path << ": cannot write the JUnit report\n";
      return exit_bad_input;
    }
  }
  return rc;
}

}  // namespace pilesim::tools
