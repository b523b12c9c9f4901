#include "tools/diff_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "tools/exit_codes.hpp"
#include "tools/repro_command.hpp"
#include "tools/scenario_hash.hpp"
#include "tools/version.hpp"
#include "tools/set_flags.hpp"
#include "tools/trace_diff.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

namespace pilesim::tools {
namespace {

// One side of the comparison, as its words say.
struct side {
  std::string path;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  bool is_trace() const { return path.ends_with(".jsonl"); }
};

// "FILE [--seed N] [--set k=v]..." (FILE may be left out: `inherit`'s); nothing after naming the problem on `err`.
std::optional<side> parse_side(const std::vector<std::string>& w, const char* name, const std::string& inherit,
                               std::ostream& err) {
  side s;
  std::size_t i = 0;
  if (!w.empty() && !w[0].starts_with("--")) s.path = w[i++];
  else s.path = inherit;
  for (; i < w.size(); ++i) {
    std::string flag = w[i], value;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    } else if (i + 1 < w.size()) {
      value = w[++i];
    } else {
      err << "diff: " << name << ": '" << flag << "' needs a value\n";
      return std::nullopt;
    }
    const bool digits = !value.empty() && value.size() < 20 && value.find_first_not_of("0123456789") == std::string::npos;
    if (flag == "--set") {
      s.sets.push_back(value);
    } else if (flag == "--seed" && digits) {
      s.seed = std::stoull(value);
    } else if (flag == "--seed") {
      err << "diff: " << name << ": --seed '" << value << "': expected a number\n";
      return std::nullopt;
    } else {
      err << "diff: " << name << ": unexpected '" << w[i] << "' (a side is FILE [--seed N] [--set key.path=value]...)\n";
      return std::nullopt;
    }
  }
  if (s.path.empty()) {
    err << "diff: " << name << ": no file (a scenario file or a .jsonl trace)\n";
    return std::nullopt;
  }
  if (s.is_trace() && (s.seed || !s.sets.empty())) {
    err << "diff: " << name << ": " << s.path << " is a trace; --seed and --set belong to a scenario file\n";
    return std::nullopt;
  }
  return s;
}

// The side's trace text: the file's, or the run's, traced in memory with checkpoints.
std::optional<std::string> trace_of(const side& s, const char* name, const diff_options& o, std::ostream& out,
                                    std::ostream& err) {
  if (s.is_trace()) {
    std::ifstream in(s.path, std::ios::binary);
    if (!in) {
      err << s.path << ": cannot read\n";
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    out << name << ": " << s.path << "\n";
    return text.str();
  }
  std::ostringstream flag_errors;
  const auto overrides = parse_set_flags(s.sets, flag_errors);
  if (!overrides) return err << flag_errors.str(), std::nullopt;
  auto loaded = scenarios::load_scenario_file(s.path, *overrides);
  if (!loaded) {
    for (const auto& d : loaded.error()) err << scenarios::to_string(d) << "\n";
    return std::nullopt;
  }
  std::ostringstream trace;
  scenarios::run_options ro;
  ro.seed = s.seed;
  ro.trace_out = &trace;
  ro.checkpoint_every = o.checkpoint_every;
  const auto r = scenarios::run_scenario(*loaded, ro);
  out << name << ": " << repro_command(s.path, r.seed, s.sets) << "  (trace hash " << r.trace_hash << ", "
      << r.trace_events << " events)" << repro_note(pilesim_version(), scenario_hash(s.path).value_or("")) << "\n";
  return trace.str();
}

// A's words and B's, split at the one `--`; two plain words are two files.
std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>> split_sides(
    const std::vector<std::string>& w, std::ostream& err) {
  const auto dash = std::find(w.begin(), w.end(), "--");
  if (dash == w.end() && w.size() == 2 && !w[0].starts_with("--") && !w[1].starts_with("--"))
    return std::pair{std::vector<std::string>{w[0]}, std::vector<std::string>{w[1]}};
  if (dash == w.end() || std::find(dash + 1, w.end(), "--") != w.end()) {
    err << "diff: expected A -- B, e.g. pilesim diff f.yaml --seed 1 -- f.yaml --seed 2 (or two .jsonl traces)\n";
    return std::nullopt;
  }
  return std::pair{std::vector<std::string>(w.begin(), dash), std::vector<std::string>(dash + 1, w.end())};
}
}  // namespace

int diff_command(const diff_options& o, std::ostream& out, std::ostream& err) {
  const auto words = split_sides(o.words, err);
  if (!words) return exit_bad_input;
  const auto a = parse_side(words->first, "A", "", err);
  if (!a) return exit_bad_input;
  const auto b = parse_side(words->second, "B", a->path, err);
  if (!b) return exit_bad_input;
  try {
    const auto ta = trace_of(*a, "A", o, out, err);
    if (!ta) return exit_bad_input;
    const auto tb = trace_of(*b, "B", o, out, err);
    if (!tb) return exit_bad_input;
    std::istringstream ia(*ta), ib(*tb);
    const auto d = first_divergence(ia, ib, o.context);
    if (!d) return err << "diff: " << d.error().message << "\n", exit_bad_input;
    print_divergence(out, *d);
    return d->identical ? exit_ok : exit_failed;
  } catch (const scenarios::world_error& e) {
    err << "diff: " << e.what() << "\n";
    return exit_bad_input;
  }
}

}  // namespace pilesim::tools
