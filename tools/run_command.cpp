#include "tools/run_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/report.hpp"
#include "scenarios/engine/world.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace pilesim::tools {
namespace {
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_bad_input = 2;

std::string repro_command(const std::string& file, std::uint64_t seed) {
  return "pilesim run " + file + " --seed " + std::to_string(seed);
}
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
  int rc = exit_ok;
  std::ofstream trace_file;
  if (!o.trace_path.empty()) {
    trace_file.open(o.trace_path, std::ios::binary | std::ios::trunc);
    if (!trace_file) {
      std::cerr << o.trace_path << ": cannot write the trace\n";
      return exit_bad_input;
    }
  }
  bool first_json = true;
  if (o.json && files.size() > 1) std::cout << "[";
  for (const std::string& f : files) {
    auto loaded = scenarios::load_scenario_file(f);
    if (!loaded) {
      for (const auto& d : loaded.error()) std::cerr << scenarios::to_string(d) << "\n";
      rc = std::max(rc, exit_bad_input);
      continue;
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
      rc = std::max(rc, exit_bad_input);
      continue;
    }
    const std::string repro = repro_command(f, r.seed);
    if (o.json) {
      if (files.size() > 1 && !first_json) std::cout << ",";
      std::cout << scenarios::to_json(r) << (files.size() > 1 ? "" : "\n");
      first_json = false;
    } else if (!o.quiet || !r.ok()) {
      scenarios::print_summary(std::cout, r, repro);
      if (files.size() > 1) std::cout << "\n";
    }
    if (!r.ok()) {
      rc = std::max(rc, exit_failed);
      std::cerr << f << ": " << (r.expect_fail ? "expected to fail but passed" : "FAILED") << " (seed " << r.seed
                << "); reproduce with: " << repro << "\n";
    }
  }
  if (o.json && files.size() > 1) std::cout << "]\n";
  return rc;
}

}  // namespace pilesim::tools
