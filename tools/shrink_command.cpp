#include "tools/shrink_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/values.hpp"
#include "scenarios/engine/world.hpp"
#include "tools/exit_codes.hpp"
#include "tools/repro_command.hpp"
#include "tools/set_flags.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

namespace pilesim::tools {
namespace {
constexpr sim::time_us window_min_us = 1'000'000;  // fault windows are not narrowed below a second

// How a run failed: the names of the checks that did not hold, and whether an actor threw.
struct failure {
  std::set<std::string> checks;
  bool kernel = false;
  friend bool operator==(const failure&, const failure&) = default;
};

std::string emit(const YAML::Node& n, bool flow = false) {
  YAML::Emitter e;
  if (flow) e << YAML::Flow;
  e << n;
  return e.c_str();
}

// "1h30m", "250ms", "0s": the scenario duration grammar, units descending, each once.
std::string duration_text(sim::time_us us) {
  if (us == 0) return "0s";
  struct unit { const char* name; sim::time_us size; };
  const unit units[] = {{"d", 86'400'000'000}, {"h", 3'600'000'000}, {"m", 60'000'000}, {"s", 1'000'000},
                        {"ms", 1'000}, {"us", 1}};
  std::string s;
  for (const unit& u : units) {
    if (us >= u.size) {
      s += std::to_string(us / u.size) + u.name;
      us %= u.size;
    }
  }
  return s;
}

std::optional<sim::time_us> exact_duration(const YAML::Node& n) {
  if (!n || !n.IsScalar()) return {};
  auto d = scenarios::parse_duration_us(n.Scalar());
  if (!d) return {};
  return *d;
}

// Removes the items of the sequence `root[key]` for which `drop` says so; true if any went.
bool remove_where(YAML::Node root, const char* key, const std::function<bool(const YAML::Node&)>& drop) {
  YAML::Node seq = root[key];
  if (!seq || !seq.IsSequence()) return false;
  YAML::Node kept(YAML::NodeType::Sequence);
  bool any = false;
  for (const auto& item : seq) {
    if (drop(item)) any = true;
    else kept.push_back(item);
  }
  if (any) root[key] = kept;
  return any;
}

std::string scalar_at(const YAML::Node& n, const char* key) {
  if (!n.IsMap() || !n[key] || !n[key].IsScalar()) return "";
  return n[key].Scalar();
}

struct shrinker {
  const shrink_options& o;
  std::vector<scenarios::override_setting> overrides;
  failure target;
  std::size_t runs = 0;

  // The failure of `doc` at the seed, or nothing when it does not load or does not fail.
  std::optional<failure> fails(const YAML::Node& doc) {
    ++runs;
    auto loaded = scenarios::load_scenario_text(emit(doc), o.file, overrides);
    if (!loaded) return {};
    scenarios::run_options ro;
    ro.seed = o.seed;
    scenarios::run_outcome_report r;
    try {
      r = scenarios::run_scenario(*loaded, ro);
    } catch (const scenarios::world_error&) {
      return {};
    }
    if (r.ok()) return {};
    failure f;
    f.kernel = !r.kernel_failure.empty();
    for (const auto& c : r.invariants)
      if (!c.held) f.checks.insert(c.what);
    for (const auto& c : r.expectations)
      if (!c.held) f.checks.insert(c.what);
    return f;
  }

  // Keeps `candidate` in `doc` when it still fails the same way.
  bool try_candidate(YAML::Node& doc, const YAML::Node& candidate) {
    if (runs >= o.runs_max) return false;
    auto f = fails(candidate);
    if (!f || !(*f == target)) return false;
    doc = candidate;
    return true;
  }
};

YAML::Node without_item(const YAML::Node& doc, const char* key, std::size_t index) {
  YAML::Node c = YAML::Clone(doc);
  std::size_t i = 0;
  remove_where(c, key, [&](const YAML::Node&) { return i++ == index; });
  return c;
}

// A user goes with everything that names them: their steps and their expectations.
YAML::Node without_user(const YAML::Node& doc, const std::string& id) {
  YAML::Node c = YAML::Clone(doc);
  remove_where(c, "users", [&](const YAML::Node& n) { return scalar_at(n, "id") == id; });
  remove_where(c, "steps", [&](const YAML::Node& n) { return scalar_at(n, "user") == id; });
  remove_where(c, "faults", [&](const YAML::Node& n) { return n["wan"] && scalar_at(n["wan"], "user") == id; });
  if (YAML::Node e = c["expect"]; e && e.IsMap()) {
    remove_where(e, "sessions", [&](const YAML::Node& n) { return scalar_at(n, "user") == id; });
    remove_where(e, "reservations", [&](const YAML::Node& n) { return scalar_at(n, "user") == id; });
    if (e["balances"] && e["balances"].IsMap()) e["balances"].remove(id);
  }
  return c;
}

// A pile goes with the steps and faults that name it.
YAML::Node without_pile(const YAML::Node& doc, const std::string& id) {
  YAML::Node c = YAML::Clone(doc);
  remove_where(c, "piles", [&](const YAML::Node& n) { return scalar_at(n, "id") == id; });
  remove_where(c, "steps", [&](const YAML::Node& n) { return scalar_at(n, "pile") == id; });
  remove_where(c, "faults", [&](const YAML::Node& n) {
    return (n["ble"] && scalar_at(n["ble"], "pile") == id) || (n["pile"] && scalar_at(n["pile"], "id") == id);
  });
  if (YAML::Node e = c["expect"]; e && e.IsMap())
    remove_where(e, "sessions", [&](const YAML::Node& n) { return scalar_at(n, "pile") == id; });
  return c;
}

std::vector<std::string> ids_of(const YAML::Node& doc, const char* key) {
  std::vector<std::string> ids;
  if (doc[key] && doc[key].IsSequence())
    for (const auto& n : doc[key]) ids.push_back(scalar_at(n, "id"));
  return ids;
}

std::size_t size_of(const YAML::Node& doc, const char* key) {
  return doc[key] && doc[key].IsSequence() ? doc[key].size() : 0;
}

// Whole piles and users first, each with its steps, faults and expectations; then single faults and steps,
// last first. Notes in `removed` what went; true if anything did.
bool drop_parts(shrinker& s, YAML::Node& doc, std::vector<std::string>& removed) {
  bool changed = false;
  for (const std::string& id : ids_of(doc, "piles"))
    if (s.try_candidate(doc, without_pile(doc, id))) {
      removed.push_back("pile " + id + " (with its steps and faults)");
      changed = true;
    }
  for (const std::string& id : ids_of(doc, "users"))
    if (s.try_candidate(doc, without_user(doc, id))) {
      removed.push_back("user " + id + " (with their steps and expectations)");
      changed = true;
    }
  for (const char* key : {"faults", "steps"}) {
    for (std::size_t i = size_of(doc, key); i-- > 0;) {
      const std::string what = emit(doc[key][i], true);
      if (s.try_candidate(doc, without_item(doc, key, i))) {
        removed.push_back(std::string(key == std::string("faults") ? "fault " : "step ") + what);
        changed = true;
      }
    }
  }
  return changed;
}

// Narrows each fault window to one half while the failure stays; true if any window narrowed.
bool narrow_fault_windows(shrinker& s, YAML::Node& doc, std::vector<std::string>& removed) {
  bool changed = false;
  for (std::size_t i = 0; i < size_of(doc, "faults"); ++i) {
    for (bool narrowed = true; narrowed && s.runs < s.o.runs_max;) {
      narrowed = false;
      const auto at = exact_duration(doc["faults"][i]["at"]);
      const auto window = exact_duration(doc["faults"][i]["for"]);
      if (!at || !window || *window < 2 * window_min_us) break;
      const std::string before = emit(doc["faults"][i], true);
      // Whole seconds keep the written durations readable (`7m30s`, not `1m52s500ms`).
      const sim::time_us half = std::max(window_min_us, *window / 2 / window_min_us * window_min_us);
      YAML::Node first_half = YAML::Clone(doc);
      first_half["faults"][i]["for"] = duration_text(half);
      YAML::Node second_half = YAML::Clone(doc);
      second_half["faults"][i]["at"] = duration_text(*at + half);
      second_half["faults"][i]["for"] = duration_text(*window - half);
      if (s.try_candidate(doc, first_half) || s.try_candidate(doc, second_half)) {
        removed.push_back("narrowed fault " + before + " to " + emit(doc["faults"][i], true));
        narrowed = changed = true;
      }
    }
  }
  return changed;
}
}  // namespace

int shrink_command(const shrink_options& o) {
  auto overrides = parse_set_flags(o.sets, std::cerr);
  if (!overrides) return exit_bad_input;
  shrinker s{o, std::move(*overrides), {}, 0};
  if (auto loaded = scenarios::load_scenario_file(o.file, s.overrides); !loaded) {
    for (const auto& d : loaded.error()) std::cerr << scenarios::to_string(d) << "\n";
    return exit_bad_input;
  }
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(o.file);
  } catch (const YAML::Exception& e) {
    std::cerr << o.file << ": " << e.what() << "\n";
    return exit_bad_input;
  }
  auto first = s.fails(doc);
  if (!first) {
    std::cerr << o.file << ": the run with seed " << o.seed << " does not fail: nothing to shrink\n";
    return exit_bad_input;
  }
  s.target = *first;
  std::cerr << "shrink: " << o.file << " seed " << o.seed << " fails on:";
  for (const auto& c : s.target.checks) std::cerr << " " << c;
  std::cerr << (s.target.kernel ? " (kernel failure)" : "") << "\n";

  std::vector<std::string> removed;
  for (bool changed = true; changed && s.runs < o.runs_max;) {
    const bool dropped = drop_parts(s, doc, removed);
    const bool narrowed = narrow_fault_windows(s, doc, removed);
    changed = dropped || narrowed;
  }

  doc["seed"] = std::to_string(o.seed);
  if (doc["name"] && doc["name"].IsScalar()) doc["name"] = doc["name"].Scalar() + " (shrunk)";
  const std::string out_path =
      o.out_path.empty() ? std::filesystem::path(o.file).stem().string() + ".min.yaml" : o.out_path;
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out << "# Shrunk by `pilesim shrink` from " << o.file << " (seed " << o.seed << "); fails on:";
  for (const auto& c : s.target.checks) out << " " << c;
  out << "\n" << emit(doc) << "\n";
  if (!out) {
    std::cerr << out_path << ": cannot write\n";
    return exit_bad_input;
  }
  std::cout << "tried " << s.runs << " runs" << (s.runs >= o.runs_max ? " (the --runs-max budget: stopped early)" : "")
            << "; removed " << removed.size() << " thing(s):\n";
  for (const auto& r : removed) std::cout << "  - " << r << "\n";
  std::cout << "wrote " << out_path << "; reproduce with: " << repro_line(out_path, std::nullopt, o.sets) << "\n";
  return exit_ok;
}

}  // namespace pilesim::tools
