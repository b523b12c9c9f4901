// The pilesim command line. Each subcommand is a thin layer over the libraries: it parses flags with CLI11,
// calls one function, and maps its outcome to an exit code (0 held, 1 failed, 2 bad input).
#include "scenarios/engine/loader.hpp"
#include "tools/bench_kernel.hpp"
#include "tools/bench_sessions.hpp"
#include "tools/diagram_command.hpp"
#include "tools/exit_codes.hpp"
#include "tools/merge_command.hpp"
#include "tools/run_command.hpp"
#include "tools/serve_command.hpp"
#include "tools/shrink_command.hpp"
#include "tools/sweep_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

using pilesim::tools::exit_bad_input;
using pilesim::tools::exit_ok;

int check_files(const std::vector<std::string>& files) {
  int rc = exit_ok;
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

// The flags several commands share, declared once so that they read the same in every command's help: a
// command that runs one scenario file named first on its line, and its --seed and --set.
CLI::App* add_file_command(CLI::App& app, const char* name, const char* help, std::string& file) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("file", file, "Scenario file")->required()->check(CLI::ExistingFile);
  return cmd;
}
void add_set_flag(CLI::App* cmd, std::vector<std::string>& sets) {
  cmd->add_option("--set", sets, "Override a scenario value: key.path=value (repeatable)");
}
void add_seed_flag(CLI::App* cmd, std::optional<std::uint64_t>& seed) {
  cmd->add_option("--seed", seed, "Seed (overrides the file's)");
}

// Each command's flags; main adds the commands in the order `pilesim --help` lists them.
CLI::App* add_run(CLI::App& app, pilesim::tools::run_command_options& o) {
  auto* cmd = app.add_subcommand("run", "Run scenario files (or every *.yaml in a folder) and check them");
  cmd->add_option("paths", o.paths, "Scenario files or folders")->required();
  add_seed_flag(cmd, o.seed);
  cmd->add_flag("--json", o.json, "Print the report as JSON on stdout");
  cmd->add_flag("--quiet", o.quiet, "Print only failing runs");
  cmd->add_option("--trace", o.trace_path, "Write every event as JSON lines to this file");
  cmd->add_option("--db", o.db_path, "Keep the server's SQLite database in this file (WAL)");
  add_set_flag(cmd, o.sets);
  cmd->add_option("--junit", o.junit_path, "Write a JUnit XML report: one testcase per scenario file");
  return cmd;
}

CLI::App* add_sweep(CLI::App& app, pilesim::tools::sweep_options& o) {
  auto* cmd = add_file_command(app, "sweep", "Run a scenario over seeds x a grid of --set values; CSV/JSON + table",
                               o.file);
  cmd->add_option("--seeds", o.seeds, "Seeds per grid point")->required();
  cmd->add_option("--seed-start", o.seed_start, "First seed");
  cmd->add_option("--set", o.sets, "A swept value: key.path=v1,v2,... (repeatable; grid = product)");
  cmd->add_option("--jobs,-j", o.jobs, "Worker threads (0: one per hardware thread)");
  cmd->add_option("--shard", o.shard, "Run only shard K of N (runs whose index % N == K-1)");
  cmd->add_option("--out", o.out_path, "Write one row per run to FILE.csv or FILE.json");
  cmd->add_flag("--quiet", o.quiet, "No progress lines on stderr");
  return cmd;
}

CLI::App* add_diagram(CLI::App& app, pilesim::tools::diagram_options& o) {
  auto* cmd = add_file_command(app, "diagram", "Run once and draw a sequence diagram (Mermaid, or HTML/SVG)", o.file);
  add_seed_flag(cmd, o.seed);
  add_set_flag(cmd, o.sets);
  cmd->add_option("--out", o.out_path, "FILE.mmd (Mermaid), FILE.html or FILE.svg; default: Mermaid on stdout");
  cmd->add_option("--items-max", o.items_max, "Arrows and notes drawn before the rest is summarised");
  return cmd;
}

CLI::App* add_shrink(CLI::App& app, pilesim::tools::shrink_options& o) {
  auto* cmd = add_file_command(app, "shrink", "Make a failing scenario smaller while it fails the same way", o.file);
  cmd->add_option("--seed", o.seed, "Seed of the failing run")->required();
  add_set_flag(cmd, o.sets);
  cmd->add_option("--out", o.out_path, "Where to write the smaller scenario (default: STEM.min.yaml)");
  cmd->add_option("--runs-max", o.runs_max, "Candidate runs tried at most");
  return cmd;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pilesim: deterministic end-to-end simulator of charging-pile sharing over Bluetooth"};
  app.set_version_flag("--version", std::string("pilesim ") + PILESIM_VERSION);
  app.require_subcommand(1);

  pilesim::tools::run_command_options ropt;
  CLI::App* run = add_run(app, ropt);
  pilesim::tools::sweep_options wopt;
  CLI::App* sweep = add_sweep(app, wopt);
  pilesim::tools::diagram_options dopt;
  CLI::App* diagram = add_diagram(app, dopt);
  pilesim::tools::shrink_options hopt;
  CLI::App* shrink = add_shrink(app, hopt);

  std::string merge_out;
  std::vector<std::string> merge_in;
  auto* merge = app.add_subcommand("merge", "Join shard CSVs of one sweep into one CSV, in run order");
  merge->add_option("out", merge_out, "Merged CSV to write")->required();
  merge->add_option("inputs", merge_in, "Shard CSVs")->required()->check(CLI::ExistingFile);

  std::vector<std::string> check_paths;
  pilesim::tools::serve_options vopt;
  vopt.limits.connections_max = 0;  // derived from RLIMIT_NOFILE unless given
  auto* serve = app.add_subcommand("serve", "The same server over real HTTP, provisioned from a scenario");
  serve->add_option("scenario", vopt.scenario_path, "Scenario whose piles, users and tariff to provision")
      ->required()
      ->check(CLI::ExistingFile);
  serve->add_option("--address", vopt.address, "Address to listen on (loopback by default)");
  serve->add_flag("--listen-any", vopt.listen_any, "Allow an --address that is not loopback");
  serve->add_option("--port", vopt.port, "Port (0: any free port, printed)");
  serve->add_option("--db", vopt.db_path, "SQLite database file (WAL); :memory: by default");
  serve->add_option("--requests-max", vopt.requests_max, "Stop after this many requests (0: never)");
  serve->add_flag("--deterministic-keys", vopt.deterministic_keys,
                  "Derive pile keys, tokens and stop secrets from the scenario's seed (NOT SECRET: tests only)");
  serve->add_option("--keys-out", vopt.keys_out, "Also write the pile keys and user tokens to this JSON file (0600)");
  auto& lim = vopt.limits;
  serve->add_option("--connections-max", lim.connections_max,
                    "Connections open at once (default: 256, fewer if RLIMIT_NOFILE is low)")
      ->check(CLI::Range(1, 1'000'000));
  serve->add_option("--header-bytes-max", lim.header_bytes_max, "Request line and headers, else 431")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1024 * 1024));
  serve->add_option("--body-bytes-max", lim.body_bytes_max, "Request body, else 413")
      ->capture_default_str()
      ->check(CLI::Range(1024, 16 * 1024 * 1024));
  serve->add_option("--idle-timeout-ms", lim.idle_timeout_ms, "Close a connection with no request begun")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  serve->add_option("--header-timeout-ms", lim.header_timeout_ms, "From a request's first byte to its header's end")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  serve->add_option("--read-timeout-ms", lim.read_timeout_ms, "From a request's first byte to its body's end")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  serve->add_option("--write-timeout-ms", lim.write_timeout_ms, "To write one response")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  serve->add_option("--shutdown-grace-ms", lim.shutdown_grace_ms, "For in-flight requests after SIGTERM/SIGINT")
      ->capture_default_str()
      ->check(CLI::Range(0, 600'000));

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
    return rc == 0 ? exit_ok : exit_bad_input;
  }

  if (*run) return pilesim::tools::run_command(ropt);
  if (*serve) return pilesim::tools::serve_command(vopt);
  if (*check) return check_files(check_paths);
  if (*sweep) return pilesim::tools::sweep_command(wopt);
  if (*shrink) return pilesim::tools::shrink_command(hopt);
  if (*diagram) return pilesim::tools::diagram_command(dopt);
  if (*merge) return pilesim::tools::merge_command(merge_out, merge_in);
  if (*bench_kernel) return pilesim::tools::bench_kernel(kopt, std::cout);
  if (*bench_sessions) return pilesim::tools::bench_sessions(sopt, std::cout);
  return 0;
}
