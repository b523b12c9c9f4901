// The pilesim command line. Each subcommand is a thin layer over the libraries: it parses flags with CLI11,
// calls one function, and maps its outcome to an exit code (0 held, 1 failed, 2 bad input).
#include "scenarios/engine/loader.hpp"
#include "tools/bench_kernel.hpp"
#include "tools/bench_sessions.hpp"
#include "tools/run_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int exit_bad_input = 2;

int check_files(const std::vector<std::string>& files) {
  int rc = 0;
  for (const std::string& f : files) {
    auto loaded = pilesim::scenarios::load_scenario_file(f);
    if (!loaded) {
      for (const auto& d : loaded.error()) std::cerr << pilesim::scenarios::to_string(d) << "\n";
      rc = exit_bad_input;
      continue;
    }
    std::cout << f << ": ok (" << loaded->name << ")\n";
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pilesim: deterministic end-to-end simulator of charging-pile sharing over Bluetooth"};
  app.set_version_flag("--version", std::string("pilesim ") + PILESIM_VERSION);
  app.require_subcommand(1);

  pilesim::tools::run_command_options ropt;
  auto* run = app.add_subcommand("run", "Run scenario files (or every *.yaml in a folder) and check them");
  run->add_option("paths", ropt.paths, "Scenario files or folders")->required();
  run->add_option("--seed", ropt.seed, "Seed (overrides the file's)");
  run->add_flag("--json", ropt.json, "Print the report as JSON on stdout");
  run->add_flag("--quiet", ropt.quiet, "Print only failing runs");
  run->add_option("--trace", ropt.trace_path, "Write every event as JSON lines to this file");
  run->add_option("--db", ropt.db_path, "Keep the server's SQLite database in this file (WAL)");

  std::vector<std::string> check_paths;
  auto* check = app.add_subcommand("check", "Validate scenario files without running them");
  check->add_option("files", check_paths, "Scenario files")->required()->check(CLI::ExistingFile);

  auto* bench = app.add_subcommand("bench", "Benchmarks that print figures");
  bench->require_subcommand(1);
  pilesim::tools::bench_kernel_options kopt;
  auto* bench_kernel = bench->add_subcommand("kernel", "Kernel events/s against a bare heap + std::function loop");
  bench_kernel->add_option("--exchanges", kopt.exchanges_per_actor, "Request/reply exchanges per actor");
  bench_kernel->add_option("--seed", kopt.seed, "Seed");

  pilesim::tools::bench_sessions_options sopt;
  auto* bench_sessions = bench->add_subcommand("sessions", "Complete sessions/s through server, agent and pile");
  bench_sessions->add_option("--sessions", sopt.sessions, "Sessions to run");
  bench_sessions->add_option("--piles", sopt.piles, "Piles (one user each)");
  bench_sessions->add_option("--seed", sopt.seed, "Seed");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_bad_input;
  }

  if (*run) return pilesim::tools::run_command(ropt);
  if (*check) return check_files(check_paths);
  if (*bench_kernel) return pilesim::tools::bench_kernel(kopt, std::cout);
  if (*bench_sessions) return pilesim::tools::bench_sessions(sopt, std::cout);
  return 0;
}
