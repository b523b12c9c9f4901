// The pilesim command line. Each subcommand is a thin layer over the libraries: it parses flags with CLI11,
// calls one function, and maps its outcome to an exit code (0 held, 1 failed, 2 bad input).
#include "scenarios/engine/loader.hpp"
#include "tools/bench_kernel.hpp"

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

  std::vector<std::string> check_paths;
  auto* check = app.add_subcommand("check", "Validate scenario files without running them");
  check->add_option("files", check_paths, "Scenario files")->required()->check(CLI::ExistingFile);

  auto* bench = app.add_subcommand("bench", "Benchmarks that print figures");
  bench->require_subcommand(1);
  pilesim::tools::bench_kernel_options kopt;
  auto* bench_kernel = bench->add_subcommand("kernel", "Kernel events/s against a bare heap + std::function loop");
  bench_kernel->add_option("--exchanges", kopt.exchanges_per_actor, "Request/reply exchanges per actor");
  bench_kernel->add_option("--seed", kopt.seed, "Seed");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_bad_input;
  }

  if (*check) return check_files(check_paths);
  if (*bench_kernel) return pilesim::tools::bench_kernel(kopt, std::cout);
  return 0;
}
