#include "tools/swarm_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "sim/rng.hpp"
#include "tools/exit_codes.hpp"
#include "tools/repro_command.hpp"
#include "tools/scenario_hash.hpp"
#include "tools/shard.hpp"
#include "tools/shell_quote.hpp"
#include "tools/sweep_rows.hpp"
#include "tools/sweep_summary.hpp"
#include "tools/worker_pool.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/algorithm/string/join.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace pilesim::tools {
namespace {

// The fault kinds a seed chooses among: every kind of the format, the BLE one split into a model change and a
// bare disconnect. An attack draws one of the attack kinds (agent/attack.hpp; the loader checks each name).
constexpr std::array<std::string_view, 6> fault_kinds{"ble", "ble_disconnect", "wan", "server", "pile", "attack"};
constexpr std::array<std::string_view, 11> attack_kinds{
    "forge_start", "alter_start",  "replay_start",  "expired_start", "redirect_start", "alter_bill",
    "replay_bill", "withhold_bill", "withhold_ack", "forge_receipt", "steal_stop"};

// Columns a swarm row has after the sweep's: what it drew, what of it applied, how it failed, where it was written.
const std::vector<std::string> swarm_columns = {"fault_kinds", "faults",  "faults_drawn",
                                                "faults_applied", "failure", "emitted"};

// A moment of a clean run with traffic: a step of `user` (at `pile`, the pile the step names or the user's last
// one), or a session's reconciliation. A drawn window always covers one, so that it can meet traffic.
struct span {
  std::string user;
  std::string pile;
  sim::time_us lo = 0;  // the moment
  sim::time_us hi = 0;  // the user's last moment (an attacker's window reaches past it)
};

// "1h30m", "250ms", "0s": the scenario duration grammar.
std::string duration_text(sim::time_us us) {
  if (us == 0) return "0s";
  struct unit {
    const char* name;
    sim::time_us size;
  };
  const unit units[] = {{"d", 86'400'000'000}, {"h", 3'600'000'000}, {"m", 60'000'000}, {"s", 1'000'000},
                        {"ms", 1'000},         {"us", 1}};
  std::string s;
  for (const unit& u : units)
    if (us >= u.size) {
      s += std::to_string(us / u.size) + u.name;
      us %= u.size;
    }
  return s;
}

// A probability of hundredths as the file writes it: 0.37.
std::string share_text(std::uint64_t hundredths) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%llu.%02llu", static_cast<unsigned long long>(hundredths / 100),
                static_cast<unsigned long long>(hundredths % 100));
  return buf;
}

std::vector<span> active_spans(const scenarios::scenario& s, const scenarios::run_outcome_report& r) {
  std::vector<span> out;
  std::map<std::string, std::string> last_pile;
  std::vector<const scenarios::step*> steps;
  for (const auto& st : s.steps) steps.push_back(&st);
  std::stable_sort(steps.begin(), steps.end(), [](auto* a, auto* b) { return a->at_us.lo < b->at_us.lo; });
  for (const auto* st : steps) {
    if (!st->pile.empty()) last_pile[st->user] = st->pile;
    const std::string& pile = last_pile[st->user];
    if (!pile.empty()) out.push_back({st->user, pile, st->at_us.lo, 0});
  }
  for (const auto& se : r.sessions)
    if (se.reconciled_at_us && !se.pile.empty()) out.push_back({se.user, se.pile, *se.reconciled_at_us, 0});
  std::map<std::string, sim::time_us> last;
  for (const auto& m : out) last[m.user] = std::max(last[m.user], m.lo);
  for (auto& m : out) m.hi = last[m.user];
  return out;
}

// One seed's faults, each as the flow-style line a scenario file holds, with the kind it was drawn as.
struct drawn_fault {
  std::string kind;
  std::string text;
};

class fault_drawer {
 public:
  fault_drawer(const scenarios::scenario& s, const std::vector<span>& spans, std::uint64_t seed)
      : s_(s), spans_(spans), rng_(seed, "swarm/faults") {
    for (const auto& p : s.piles) piles_.push_back(p.id);
  }

  std::vector<drawn_fault> draw() {
    std::vector<std::string_view> chosen;
    for (std::string_view k : fault_kinds)
      if (rng_.bernoulli(sim::ppb_one / 2)) chosen.push_back(k);
    if (chosen.empty()) chosen.push_back(fault_kinds[rng_.uniform(0, fault_kinds.size() - 1)]);
    std::vector<drawn_fault> out;
    if (spans_.empty()) return out;
    for (std::string_view k : chosen) {
      const std::uint64_t n = (k == "ble" || k == "wan") ? rng_.uniform(1, 2) : 1;
      for (std::uint64_t i = 0; i < n; ++i)
        if (auto f = one(k)) out.push_back(std::move(*f));
    }
    return out;
  }

 private:
  const span& any_span() { return spans_[rng_.uniform(0, spans_.size() - 1)]; }
  // `want` from `at`, cut at `until`; nothing when less than a second is left.
  std::optional<sim::time_us> window(sim::time_us at, sim::time_us want) {
    const sim::time_us room = std::min(want, s_.until_us - at);
    if (room < sim::sec) return std::nullopt;
    return room;
  }
  std::string share(std::uint64_t lo, std::uint64_t hi) { return share_text(rng_.uniform(lo, hi)); }
  std::string head(sim::time_us at, std::optional<sim::time_us> len) {
    std::string t = "{at: " + duration_text(at);
    if (len) t += ", for: " + duration_text(*len);
    return t + ", ";
  }

  std::optional<drawn_fault> one(std::string_view kind) {
    const span& sp = any_span();
    if (kind == "attack") return attack(sp);
    // A disconnect a moment after the traffic, while its connection may still be up; a window that covers it.
    if (kind == "ble_disconnect") {
      const sim::time_us at = std::min(s_.until_us, sp.lo + static_cast<sim::time_us>(rng_.uniform(0, 3000)) * sim::msec);
      return drawn_fault{"ble_disconnect", head(at, {}) + "ble: {pile: " + sp.pile + ", disconnect: true}}"};
    }
    const sim::time_us longest = kind == "ble" || kind == "wan" ? 20 * sim::minute : 10 * sim::minute;
    const sim::time_us want = static_cast<sim::time_us>(rng_.uniform(1'000, longest / sim::msec)) * sim::msec;
    const sim::time_us at = std::max<sim::time_us>(
        0, sp.lo - static_cast<sim::time_us>(rng_.uniform(0, static_cast<std::uint64_t>(want / sim::msec))) * sim::msec);
    const auto len = window(at, want);
    if (!len) return std::nullopt;
    if (kind == "server") return drawn_fault{"server", head(at, len) + "server: down}"};
    if (kind == "pile") return drawn_fault{"pile", head(at, len) + "pile: {id: " + sp.pile + ", power: off}}"};
    if (kind == "wan") {
      std::string model;
      if (rng_.bernoulli(sim::ppb_one / 2)) {
        model = "down: true";
      } else {
        model = "loss: " + share(10, 90);
        if (rng_.bernoulli(sim::ppb_one / 2)) model += ", delay: " + duration_text(rng_.uniform(100, 3000) * sim::msec);
      }
      return drawn_fault{"wan", head(at, len) + "wan: {user: " + sp.user + ", " + model + "}}"};
    }
    // ble: a random subset of the link's parameters, at least one.
    std::vector<std::string> ps;
    while (ps.empty()) {
      auto maybe = [&] { return rng_.bernoulli(sim::ppb_one / 3); };
      if (maybe()) ps.push_back("loss: " + share(5, 80));
      if (maybe()) ps.push_back("delay: " + duration_text(rng_.uniform(20, 2000) * sim::msec));
      if (maybe()) ps.push_back("duplicate: " + share(1, 30));
      if (maybe()) ps.push_back("reorder: " + share(1, 30));
      if (maybe()) ps.push_back("corrupt: " + share(1, 20));
      if (maybe()) ps.push_back("connect_failure: " + share(10, 90));
      if (maybe()) {
        constexpr std::array<int, 5> mtus{23, 64, 185, 247, 517};
        ps.push_back("mtu: " + std::to_string(mtus[rng_.uniform(0, mtus.size() - 1)]));
      }
      if (maybe()) ps.push_back("packets_per_event: " + std::to_string(rng_.uniform(1, 8)));
      if (maybe()) {  // both, so that the timeout is more than twice the interval whatever links.ble says
        constexpr std::array<int, 4> intervals_ms{15, 30, 50, 100};
        ps.push_back("conn_interval: " + std::to_string(intervals_ms[rng_.uniform(0, intervals_ms.size() - 1)]) + "ms");
        ps.push_back("supervision_timeout: " + std::to_string(rng_.uniform(1, 6)) + "s");
      }
    }
    return drawn_fault{"ble", head(at, len) + "ble: {pile: " + sp.pile + ", " + boost::algorithm::join(ps, ", ") + "}}"};
  }

  // An attacker's window covers what the user does: from a little before the session's start request to a
  // little after its reconciliation.
  std::optional<drawn_fault> attack(const span& sp) {
    std::vector<std::string_view> kinds(attack_kinds.begin(), attack_kinds.end());
    std::vector<std::string> others;
    for (const auto& p : piles_)
      if (p != sp.pile) others.push_back(p);
    if (others.empty()) kinds.erase(std::find(kinds.begin(), kinds.end(), "redirect_start"));
    const std::string_view kind = kinds[rng_.uniform(0, kinds.size() - 1)];
    const sim::time_us lead = static_cast<sim::time_us>(rng_.uniform(0, 300)) * sim::sec;
    const sim::time_us at = std::max<sim::time_us>(0, sp.lo - lead) / sim::sec * sim::sec;
    const sim::time_us end = std::min(s_.until_us, sp.hi + static_cast<sim::time_us>(rng_.uniform(1, 600)) * sim::sec);
    if (end - at < sim::sec) return std::nullopt;
    std::string t = head(at, end - at) + "attack: {user: " + sp.user + ", kind: " + std::string(kind);
    if (kind == "redirect_start") t += ", pile: " + others[rng_.uniform(0, others.size() - 1)];
    return drawn_fault{"attack/" + std::string(kind), t + "}}"};
  }

  const scenarios::scenario& s_;
  const std::vector<span>& spans_;
  sim::rng rng_;
  std::vector<std::string> piles_;
};

// The file as a tree without its seed and faults, emitted once; each run appends its own seed and faults.
struct base_text {
  std::string text;                     // block-style top-level map
  std::vector<std::string> fault_lines; // the file's own faults, each "  - {...}"
};

std::optional<base_text> base_of(const std::string& file) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    std::cerr << file << ": " << e.what() << "\n";
    return std::nullopt;
  }
  base_text b;
  if (doc["faults"] && doc["faults"].IsSequence())
    for (const auto& f : doc["faults"]) {
      YAML::Emitter e;
      e << YAML::Flow << f;
      b.fault_lines.push_back(std::string("  - ") + e.c_str());
    }
  doc.remove("faults");
  doc.remove("seed");
  YAML::Emitter e;
  e << doc;
  b.text = e.c_str();
  b.text += "\n";
  return b;
}

std::string scenario_text(const base_text& b, std::uint64_t seed, const std::vector<drawn_fault>& faults) {
  std::string t = b.text + "seed: " + std::to_string(seed) + "\n";
  if (b.fault_lines.empty() && faults.empty()) return t;
  t += "faults:\n";
  for (const auto& l : b.fault_lines) t += l + "\n";
  for (const auto& f : faults) t += "  - " + f.text + "\n";
  return t;
}

struct swarm_row {
  run_row base;
  std::vector<drawn_fault> faults;
  std::size_t applied = 0;
  std::string failure;  // invariant | expectation | empty
  std::string emitted;
};

struct swarm_study {
  std::string file;
  std::string stem;
  std::string scenario_hash;
  base_text base;
  const scenarios::scenario* clean = nullptr;
  std::vector<span> spans;
  std::uint64_t runs = 0;
};

swarm_row run_one(const swarm_study& st, const swarm_options& o, std::uint64_t run, std::uint64_t seed) {
  swarm_row row;
  run_row& r = row.base;
  r.run = run;
  r.seed = seed;
  r.study_runs = st.runs;
  r.version = PILESIM_VERSION;
  r.scenario_hash = st.scenario_hash;
  const auto t0 = std::chrono::steady_clock::now();
  row.faults = fault_drawer(*st.clean, st.spans, seed).draw();
  const std::string text = scenario_text(st.base, seed, row.faults);
  auto loaded = scenarios::load_scenario_text(text, st.file);
  if (!loaded) {
    r.result = "error";
    r.failed_invariants.push_back("drawn faults do not load: " + scenarios::to_string(loaded.error().front()));
    row.failure = "invariant";
  } else {
    scenarios::run_options ro;
    ro.seed = seed;
    try {
      const auto out = scenarios::run_scenario(*loaded, ro);
      r.result = out.result_word();
      r.trace_hash = out.trace_hash;
      for (const auto& c : out.invariants)
        if (!c.held && c.what != "faults_applied") r.failed_invariants.push_back(c.what);
      if (!out.kernel_failure.empty()) r.failed_invariants.push_back("kernel");
      for (const auto& c : out.expectations)
        if (!c.held) ++r.expectation_failures;
      r.sessions = out.sessions.size();
      for (const auto& se : out.sessions) {
        if (se.reconciled_at_us) ++r.reconciled;
        r.captured += se.charged;
        r.released += se.refunded;
      }
      r.events = out.events;
      // The file's own faults come first in the played list; count only the drawn ones that applied.
      const std::size_t own = st.base.fault_lines.size();
      for (std::size_t i = own; i < out.faults.size(); ++i) row.applied += out.faults[i].applied ? 1 : 0;
      if (!r.failed_invariants.empty()) row.failure = "invariant";
      else if (r.expectation_failures > 0) row.failure = "expectation";
    } catch (const scenarios::world_error& e) {
      r.result = "error";
      r.failed_invariants.push_back(e.what());
      row.failure = "invariant";
    }
  }
  r.ok = row.failure.empty();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok) {
    if (!o.emit_dir.empty()) {
      const auto path = std::filesystem::path(o.emit_dir) / (st.stem + ".swarm-" + std::to_string(seed) + ".yaml");
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << "# Drawn by `pilesim swarm` from " << st.file << " (seed " << seed << "): the file's world and steps\n"
          << "# with " << row.faults.size() << " drawn fault(s); it failed on "
          << (row.failure == "invariant" ? boost::algorithm::join(r.failed_invariants, ", ")
                                         : std::to_string(r.expectation_failures) + " expectation(s)")
          << ".\n"
          << text;
      if (out) row.emitted = path.string();
    }
    r.repro = row.emitted.empty() ? "pilesim swarm " + shell_quote(st.file) + " --seeds 1 --seed-start " +
                                        std::to_string(seed)
                                  : repro_command(row.emitted, seed, {});
  }
  return row;
}

std::vector<std::string> fields_of(const swarm_row& row) {
  std::vector<std::string> f = row_fields(row.base);
  std::vector<std::string> kinds, texts;
  for (const auto& d : row.faults) {
    kinds.push_back(d.kind);
    texts.push_back(d.text);
  }
  f.insert(f.end(), {boost::algorithm::join(kinds, ";"), boost::algorithm::join(texts, "; "),
                     std::to_string(row.faults.size()), std::to_string(row.applied), row.failure, row.emitted});
  return f;
}

// Per fault kind: the runs that drew it, how many held, broke an invariant or only missed expectations.
void print_by_kind(std::ostream& out, const std::vector<swarm_row>& rows) {
  struct tally {
    std::size_t runs = 0, ok = 0, inv = 0, exp = 0;
  };
  std::map<std::string, tally> by;
  std::size_t all_applied = 0, with_faults = 0, drawn = 0, applied = 0;
  for (const auto& r : rows) {
    std::set<std::string> kinds;
    for (const auto& d : r.faults) kinds.insert(d.kind);
    for (const auto& k : kinds) {
      tally& t = by[k];
      ++t.runs;
      t.ok += r.base.ok ? 1 : 0;
      t.inv += r.failure == "invariant" ? 1 : 0;
      t.exp += r.failure == "expectation" ? 1 : 0;
    }
    drawn += r.faults.size();
    applied += r.applied;
    if (!r.faults.empty()) {
      ++with_faults;
      all_applied += r.applied == r.faults.size() ? 1 : 0;
    }
  }
  out << "\n" << std::left << std::setw(26) << "fault kind" << std::right << std::setw(7) << "runs" << std::setw(7)
      << "ok" << std::setw(6) << "inv" << std::setw(6) << "exp" << "\n";
  for (const auto& [k, t] : by)
    out << std::left << std::setw(26) << k << std::right << std::setw(7) << t.runs << std::setw(7) << t.ok
        << std::setw(6) << t.inv << std::setw(6) << t.exp << "\n";
  out << "drawn faults that applied: " << applied << "/" << drawn << "; runs whose drawn faults all applied: "
      << all_applied << "/" << with_faults << "\n";
}

}  // namespace

int swarm_command(const swarm_options& o) {
  const auto shard = study_shard(o.shard, o.seeds, std::cerr);
  if (!shard) return exit_bad_input;
  if (!o.emit_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.emit_dir, ec);
    if (ec || !std::filesystem::is_directory(o.emit_dir)) {
      std::cerr << "--emit-failures " << o.emit_dir << ": cannot make the directory\n";
      return exit_bad_input;
    }
  }
  auto clean = scenarios::load_scenario_file(o.file);
  if (!clean) {
    for (const auto& d : clean.error()) std::cerr << scenarios::to_string(d) << "\n";
    return exit_bad_input;
  }
  auto base = base_of(o.file);
  if (!base) return exit_bad_input;

  swarm_study st;
  st.file = o.file;
  st.stem = std::filesystem::path(o.file).stem().string();
  st.scenario_hash = scenario_hash(o.file).value_or("");
  st.base = std::move(*base);
  st.clean = &*clean;
  st.runs = o.seeds;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    st.spans = active_spans(*clean, scenarios::run_scenario(*clean, {}));
  } catch (const scenarios::world_error& e) {
    std::cerr << o.file << ": " << e.what() << "\n";
    return exit_bad_input;
  }

  const std::vector<std::uint64_t> mine = shard_runs(o.seeds, *shard);
  const unsigned jobs = worker_threads(o.jobs, mine.size());
  if (!o.quiet)
    std::cerr << "swarm: " << o.file << ": " << o.seeds << " seed(s), clean run active in " << st.spans.size()
              << " span(s); shard " << o.shard << " runs " << mine.size() << " on " << jobs << " thread(s)\n";

  std::vector<swarm_row> rows(mine.size());
  std::size_t done = 0, failed = 0, reported_tenth = 0;
  const auto started = std::chrono::steady_clock::now();
  run_on_workers(
      mine.size(), jobs, [&](std::size_t k) { rows[k] = run_one(st, o, mine[k], o.seed_start + mine[k]); },
      [&](std::size_t k) {
        ++done;
        failed += rows[k].base.ok ? 0 : 1;
        const std::size_t tenth = done * 10 / mine.size();
        if (!o.quiet && tenth > reported_tenth) {
          reported_tenth = tenth;
          const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          std::cerr << "swarm: " << done << "/" << mine.size() << " done, " << failed << " failed, "
                    << fixed_text(el, 1) << " s\n";
        }
      });
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::vector<std::string> header = sweep_header({});
  std::vector<std::vector<std::string>> sweep_part, full;
  for (const auto& r : rows) {
    full.push_back(fields_of(r));
    sweep_part.emplace_back(full.back().begin(), full.back().begin() + static_cast<long>(header.size()));
  }
  const sweep_tally tally = print_sweep_summary(std::cout, header, sweep_part);
  print_by_kind(std::cout, rows);
  std::cout << "swarm: " << rows.size() << " run(s) in " << fixed_text(elapsed, 2) << " s on " << jobs
            << " thread(s): " << fixed_text(static_cast<double>(rows.size()) / elapsed / jobs, 1)
            << " runs/s/thread (clean run included)\n";
  header.insert(header.end(), swarm_columns.begin(), swarm_columns.end());
  if (!o.out_path.empty() && !write_rows(o.out_path, header, full)) {
    std::cerr << o.out_path << ": cannot write\n";
    return exit_bad_input;
  }
  return study_exit_code(tally, o.strict);
}

}  // namespace pilesim::tools
