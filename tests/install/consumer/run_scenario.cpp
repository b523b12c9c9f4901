// Runs one scenario file through the installed engine, as another project's test would: load it, run it with
// its own seed, and report. Prints "trace hash: H" and exits 0 when the run held, 1 when it did not, 2 when the
// file was refused.
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/report.hpp"
#include "scenarios/engine/world.hpp"

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: run_scenario FILE.yaml\n";
    return 2;
  }
  auto loaded = pilesim::scenarios::load_scenario_file(argv[1]);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << pilesim::scenarios::to_string(d) << "\n";
    return 2;
  }
  const auto report = pilesim::scenarios::run_scenario(*loaded, {});
  std::cout << "invariants held: " << report.invariants.size() << ", expectations: " << report.expectations.size()
            << "\ntrace hash: " << report.trace_hash << "\nresult: " << report.result_word() << "\n";
  return report.ok() ? 0 : 1;
}
