// The pilesim command line. Each subcommand is a thin layer over the libraries: it parses flags with CLI11,
// calls one function, and maps its outcome to an exit code (0 held, 1 failed, 2 bad input).
#include "scenarios/engine/loader.hpp"
#include "tools/bench_kernel.hpp"
#include "tools/bench_scale.hpp"
#include "tools/bench_sessions.hpp"
#include "tools/completion_command.hpp"
#include "tools/diagram_command.hpp"
#include "tools/report_command.hpp"
#include "tools/diff_command.hpp"
#include "tools/exit_codes.hpp"
#include "tools/input_errors.hpp"
#include "tools/merge_command.hpp"
#include "tools/output_format.hpp"
#include "tools/run_command.hpp"
#include "tools/scenario_paths.hpp"
#include "tools/schema_command.hpp"
#include "tools/serve_command.hpp"
#include "tools/shrink_command.hpp"
#include "tools/sweep_command.hpp"
#include "tools/swarm_command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#if PILESIM_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace {

using pilesim::tools::exit_bad_input;
using pilesim::tools::exit_ok;

// `pilesim check FILE_OR_DIR...`: the paths as `run` reads them, each file loaded and nothing run.
int check_files(const std::vector<std::string>& paths) {
  pilesim::tools::input_errors errors(std::cerr);
  const auto found = pilesim::tools::expand_scenario_paths(paths);
  for (const auto& p : found.problems) errors.add(p.path, p.reason);
  for (const std::string& f : found.files) {
    auto loaded = pilesim::scenarios::load_scenario_file(f);
    if (!loaded) {
      for (const auto& d : loaded.error()) errors.add(d);
      continue;
    }
    std::cout << f << ": ok (" << loaded->name << ")\n";
  }
  return errors.empty() ? exit_ok : exit_bad_input;
}

// An output file whose extension chooses its format must name one the command writes (`--out s.txt` is refused).
CLI::Validator output_format(std::vector<std::string> extensions) {
  return CLI::Validator(
      [extensions](std::string& path) { return pilesim::tools::output_format_problem(path, extensions).value_or(""); },
      "", "output format");
}

// The commands under `app` in the order its help lists them, for messages: "run, check, sweep, ...".
std::string command_list(const CLI::App& app) {
  std::string out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    out += (out.empty() ? "" : ", ") + sub->get_name();
  return out;
}

// CLI11 answers `pilesim bogus` with "A subcommand is required"; this names the word it did not know, and the
// commands it knows, at each level (`pilesim bench bogus` too). Exit code 2 like any other bad input.
std::optional<int> unknown_command(const CLI::App& app, int argc, char** argv) {
  const CLI::App* level = &app;
  std::string path = "pilesim";
  for (int i = 1; i <= argc; ++i) {
    const auto subs = level->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) return std::nullopt;
    if (i == argc) {
      std::cerr << path << ": a command is required; commands: " << command_list(*level) << " (" << path
                << " --help)\n";
      return exit_bad_input;
    }
    const std::string word = argv[i];
    if (word.starts_with("-")) return std::nullopt;  // a flag (--help, --version): CLI11 judges it
    auto it = std::find_if(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->get_name() == word; });
    if (it == subs.end()) {
      std::cerr << path << ": unknown command '" << word << "'; commands: " << command_list(*level) << "\n";
      return exit_bad_input;
    }
    level = *it;
    path += " " + word;
  }
  return std::nullopt;
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
  cmd->add_flag("--json", o.json, "Print one JSON document {\"runs\": [...], \"errors\": [...]} on stdout");
  cmd->add_flag("--quiet", o.quiet, "Print only failing runs");
  cmd->add_option("--sessions", o.sessions,
                  "List each session, reservation and balance: auto (when at most 50 sessions), all, none")
      ->check(CLI::IsMember({"auto", "all", "none"}))
      ->capture_default_str();
  cmd->add_option("--trace", o.trace_path,
                  "Write every event as JSON lines to this file; several files: a pattern, e.g. 'out/{stem}.jsonl'");
  cmd->add_option("--db", o.db_path,
                  "Keep the server's SQLite database in this file (WAL); several files: e.g. 'db/{stem}.sqlite'");
  cmd->add_option("--checkpoint-every", o.checkpoint_every,
                  "With --trace: a state-hash checkpoint line every N events, for pilesim diff (0: none)")
      ->capture_default_str();
  cmd->add_flag("--check-determinism", o.check_determinism,
                "Run each file twice; fail (exit 1) with the first divergence if the traces differ");
  add_set_flag(cmd, o.sets);
  cmd->add_option("--junit", o.junit_path, "Write a JUnit XML report: one testcase per scenario file");
  cmd->add_option("--perfetto", o.perfetto_path,
                  "Write the run as a Chrome trace event timeline (F.json) for Perfetto; several files: a {stem} pattern")
      ->check(output_format({".json"}));
  cmd->add_option("--pcap-ble", o.pcap_ble_path,
                  "Write the BLE packets as a Bluetooth LE link-layer capture (F.pcap, for Wireshark)")
      ->check(output_format({".pcap"}));
  cmd->add_option("--pcap-wan", o.pcap_wan_path,
                  "Write the WAN's HTTP as a capture over synthetic Ethernet/IPv4/TCP (F.pcap, for Wireshark)")
      ->check(output_format({".pcap"}));
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
  cmd->add_option("--out", o.out_path, "Write one row per run to FILE.csv or FILE.json")
      ->check(output_format({".csv", ".json"}));
  cmd->add_flag("--quiet", o.quiet, "No progress lines on stderr");
  cmd->add_flag("--strict", o.strict,
                "Exit 1 when a run misses an expectation too (default: only when an invariant breaks)");
  return cmd;
}

CLI::App* add_swarm(CLI::App& app, pilesim::tools::swarm_options& o) {
  auto* cmd = add_file_command(app, "swarm",
                               "Run a scenario over seeds, each with random faults of random kinds laid over it", o.file);
  cmd->add_option("--seeds", o.seeds, "Seeds (runs)")->required();
  cmd->add_option("--seed-start", o.seed_start, "First seed");
  cmd->add_option("--jobs,-j", o.jobs, "Worker threads (0: one per hardware thread)");
  cmd->add_option("--shard", o.shard, "Run only shard K of N (runs whose index % N == K-1)");
  cmd->add_option("--out", o.out_path, "Write one row per run to FILE.csv or FILE.json")
      ->check(output_format({".csv", ".json"}));
  cmd->add_option("--emit-failures", o.emit_dir, "Write each failing run as a standalone scenario file in DIR");
  cmd->add_flag("--quiet", o.quiet, "No progress lines on stderr");
  cmd->add_flag("--strict", o.strict,
                "Exit 1 when a run misses an expectation too (default: only when an invariant breaks)");
  return cmd;
}

CLI::App* add_report(CLI::App& app, pilesim::tools::report_command_options& o) {
  auto* cmd = app.add_subcommand("report", "Turn a run's --json (or a sweep's JSON) into one self-contained HTML page");
  cmd->add_option("json", o.in_path, "What pilesim run --json printed, or a sweep's --out F.json ('-': stdin)")
      ->required();
  cmd->add_option("--out", o.out_path, "The page to write (FILE.html)")->required()->check(output_format({".html"}));
  return cmd;
}

CLI::App* add_diagram(CLI::App& app, pilesim::tools::diagram_options& o) {
  auto* cmd = add_file_command(app, "diagram", "Run once and draw a sequence diagram (Mermaid, or HTML/SVG)", o.file);
  add_seed_flag(cmd, o.seed);
  add_set_flag(cmd, o.sets);
  cmd->add_option("--out", o.out_path, "FILE.mmd (Mermaid), FILE.html or FILE.svg; default: Mermaid on stdout")
      ->check(output_format({".mmd", ".html", ".svg"}));
  cmd->add_option("--items-max", o.items_max, "Arrows and notes drawn before the rest is summarised");
  return cmd;
}

CLI::App* add_shrink(CLI::App& app, pilesim::tools::shrink_options& o) {
  auto* cmd = add_file_command(app, "shrink", "Make a failing scenario smaller while it fails the same way", o.file);
  cmd->add_option("--seed", o.seed, "Seed of the failing run")->required();
  add_set_flag(cmd, o.sets);
  cmd->add_option("--out", o.out_path, "Where to write the smaller scenario (default: STEM.min.yaml)")
      ->check(output_format({".yaml", ".yml"}));
  cmd->add_option("--runs-max", o.runs_max, "Candidate runs tried at most");
  return cmd;
}

CLI::App* add_diff(CLI::App& app, pilesim::tools::diff_options& o) {
  auto* cmd = app.add_subcommand("diff", "Where two runs or two --trace files first differ (exit 0 same, 1 differ)");
  cmd->add_option("--context", o.context, "Events shown before the first difference")->capture_default_str();
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "For runs: a state-hash checkpoint every N events")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000'000));
  cmd->prefix_command();  // the sides' own words (FILE --seed N --set k=v -- FILE ...) are read by diff_command
  cmd->footer(
      "Sides: A -- B, each a .jsonl trace (run --trace) or a scenario FILE [--seed N] [--set key.path=value]...;\n"
      "B without a FILE runs A's. Examples:\n"
      "  pilesim diff happy_path.yaml --seed 1 -- happy_path.yaml --seed 2\n"
      "  pilesim diff f.yaml --seed 3 -- --seed 3 --set links.ble.loss=0.2\n"
      "  pilesim diff a.jsonl b.jsonl\n");
  return cmd;
}

CLI::App* add_check(CLI::App& app, std::vector<std::string>& paths) {
  auto* cmd = app.add_subcommand("check", "Validate scenario files (or every *.yaml in a folder) without running them");
  cmd->add_option("paths", paths, "Scenario files or folders")->required();
  return cmd;
}

CLI::App* add_completion(CLI::App& app, std::string& shell) {
  auto* cmd = app.add_subcommand("completion", "Print a shell completion script: source <(pilesim completion bash)");
  cmd->add_option("shell", shell, "Shell (bash)")->required()->check(CLI::IsMember({"bash"}));
  return cmd;
}

// `pilesim run ... --json` answers in JSON even when its flags are wrong, so that a script always gets a document.
void print_json_parse_error(int argc, char** argv, const CLI::ParseError& e) {
  bool json = false;
  for (int i = 2; i < argc; ++i) json = json || std::string_view(argv[i]) == "--json";
  if (argc < 2 || std::string_view(argv[1]) != "run" || !json) return;
  std::ostringstream said;  // app.exit has said it on stderr already
  pilesim::tools::input_errors errors(said);
  errors.add(e.what());
  std::cout << "{\"runs\":[],\"errors\":" << errors.json() << "}\n";
}

}  // namespace

int main(int argc, char** argv) {
#if PILESIM_WITH_MIMALLOC
  // Memory freed stays with the process instead of going back to the system page by page: on a virtual machine
  // each return costs a TLB shootdown, and tearing down a city's world (a hundred thousand phones) spent most of
  // the checks' time there. Only the allocator's policy: no run changes.
  mi_option_disable(mi_option_allow_decommit);
#endif
  // Named, so that usage lines say `pilesim` whatever path started it (the man page is made from them).
  CLI::App app{"pilesim: deterministic end-to-end simulator of charging-pile sharing over Bluetooth", "pilesim"};
  app.set_version_flag("--version", std::string("pilesim ") + PILESIM_VERSION + "\nreads scenario format " +
                                        pilesim::scenarios::format_versions_text());
  app.require_subcommand(1);

  pilesim::tools::run_command_options ropt;
  CLI::App* run = add_run(app, ropt);
  std::vector<std::string> check_paths;
  CLI::App* check = add_check(app, check_paths);
  pilesim::tools::sweep_options wopt;
  CLI::App* sweep = add_sweep(app, wopt);
  pilesim::tools::swarm_options swopt;
  CLI::App* swarm = add_swarm(app, swopt);
  pilesim::tools::diagram_options dopt;
  CLI::App* diagram = add_diagram(app, dopt);
  pilesim::tools::report_command_options popt;
  CLI::App* report = add_report(app, popt);
  pilesim::tools::shrink_options hopt;
  CLI::App* shrink = add_shrink(app, hopt);
  pilesim::tools::diff_options fopt;
  CLI::App* diff = add_diff(app, fopt);

  pilesim::tools::merge_options mopt;
  auto* merge = app.add_subcommand("merge", "Join shard CSVs of one sweep into one CSV, in run order");
  merge->add_option("out", mopt.out_path, "Merged CSV to write")->required()->check(output_format({".csv"}));
  merge->add_option("inputs", mopt.in_paths, "Shard CSVs")->required()->check(CLI::ExistingFile);
  merge->add_flag("--strict", mopt.strict, "Exit 1 when a run missed an expectation too, as sweep --strict");
  merge->add_flag("--partial", mopt.partial, "Merge even when runs of the study are missing (else exit 2)");

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
  bench_sessions->add_flag("--count-instructions", sopt.count_instructions,
                           "Print instructions per session and per event from the CPU's counter (perf_event_open), "
                           "or why this machine cannot count them");

  pilesim::tools::bench_scale_options zopt;
  auto* bench_scale = bench->add_subcommand(
      "scale", "One workload at a station, a district and a city-day: CPU µs per event, peak memory, sim/wall");
  bench_scale->add_option("--sizes", zopt.sizes, "Sizes to run (station, district, city-day)")
      ->check(CLI::IsMember({"station", "district", "city-day"}))
      ->delimiter(',');
  bench_scale->add_option("--seed", zopt.seed, "Seed");
  bench_scale->add_option("--db", zopt.db, "The server's SQLite database: memory, or file (WAL, removed after)")
      ->check(CLI::IsMember({"memory", "file"}))
      ->capture_default_str();

  std::string shell;
  CLI::App* completion = add_completion(app, shell);
  CLI::App* schema = app.add_subcommand("schema", "Print the JSON Schema (draft-07) of scenario format 1.1");

  if (auto rc = unknown_command(app, argc, argv)) return *rc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    if (rc != 0) print_json_parse_error(argc, argv, e);
    return rc == 0 ? exit_ok : exit_bad_input;
  }

  if (*run) return pilesim::tools::run_command(ropt);
  if (*serve) return pilesim::tools::serve_command(vopt);
  if (*check) return check_files(check_paths);
  if (*sweep) return pilesim::tools::sweep_command(wopt);
  if (*swarm) return pilesim::tools::swarm_command(swopt);
  if (*shrink) return pilesim::tools::shrink_command(hopt);
  if (*diagram) return pilesim::tools::diagram_command(dopt);
  if (*report) return pilesim::tools::report_command(popt);
  if (*diff) {
    fopt.words = diff->remaining();
    return pilesim::tools::diff_command(fopt, std::cout, std::cerr);
  }
  if (*merge) return pilesim::tools::merge_command(mopt);
  if (*bench_kernel) return pilesim::tools::bench_kernel(kopt, std::cout);
  if (*bench_sessions) return pilesim::tools::bench_sessions(sopt, std::cout);
  if (*bench_scale) return pilesim::tools::bench_scale(zopt, std::cout);
  if (*completion) return (std::cout << pilesim::tools::bash_completion(app), exit_ok);
  if (*schema) return pilesim::tools::schema_command(std::cout);
  return 0;
}
