#include "tools/sweep_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "tools/exit_codes.hpp"
#include "tools/grid.hpp"
#include "tools/repro_command.hpp"
#include "tools/scenario_hash.hpp"
#include "tools/set_flags.hpp"
#include "tools/shard.hpp"
#include "tools/sweep_rows.hpp"
#include "tools/sweep_summary.hpp"
#include "tools/worker_pool.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>

namespace pilesim::tools {
namespace {

// The grid with each point's values and its scenario, every point loaded (and so checked) before anything runs.
struct study {
  std::string file;
  std::string scenario_hash;
  std::uint64_t runs = 0;
  std::vector<axis> axes;
  std::vector<std::vector<std::string>> point_values;
  std::vector<scenarios::scenario> point_scenarios;
};

// The start time of each session in the outcome: a user's sessions come in the order that user started them,
// so session k of a user belongs to that user's k-th `start` step in time order. A drawn `at` counts from its
// lower bound (the drawn instant is not in the outcome), so a time to reconcile can read slightly long.
std::optional<sim::time_us> time_to_reconcile(const scenarios::scenario& s, const scenarios::run_outcome_report& r) {
  std::map<std::string, std::vector<const scenarios::step*>> starts;
  for (const auto& st : s.steps)
    if (st.action == scenarios::step_action::start) starts[st.user].push_back(&st);
  for (auto& [user, v] : starts)
    std::stable_sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->at_us.lo < b->at_us.lo; });
  std::map<std::string, std::size_t> seen;
  std::optional<sim::time_us> worst;
  for (const auto& se : r.sessions) {
    const std::size_t k = seen[se.user]++;
    if (!se.reconciled_at_us) continue;
    const auto& v = starts[se.user];
    const sim::time_us started = k < v.size() ? v[k]->at_us.lo : 0;
    const sim::time_us took = *se.reconciled_at_us - started;
    if (!worst || took > *worst) worst = took;
  }
  return worst;
}

// The figures of one finished run.
void measure(const scenarios::scenario& s, const scenarios::run_outcome_report& r, run_row& row) {
  row.result = r.result_word();
  row.ok = r.ok();
  row.trace_hash = r.trace_hash;
  for (const auto& c : r.invariants)
    if (!c.held) row.failed_invariants.push_back(c.what);
  for (const auto& c : r.expectations)
    if (!c.held) ++row.expectation_failures;
  row.sessions = r.sessions.size();
  for (const auto& se : r.sessions) {
    if (se.reconciled_at_us) ++row.reconciled;
    row.captured += se.charged;
    row.released += se.refunded;
  }
  row.reconcile_us = time_to_reconcile(s, r);
  // What a bill waited for once its session ended: the study's figure (reconcile_s includes the charging).
  if (r.totals.reconcile.count > 0) row.reconcile_after_end_us = r.totals.reconcile.max_us;
  row.events = r.events;
}

run_row run_one(const study& st, std::uint64_t run, std::size_t point, std::uint64_t seed) {
  run_row row;
  row.run = run;
  row.params = st.point_values[point];
  row.seed = seed;
  scenarios::run_options ro;
  ro.seed = seed;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    measure(st.point_scenarios[point], scenarios::run_scenario(st.point_scenarios[point], ro), row);
  } catch (const scenarios::world_error&) {
    row.result = "error";
    row.ok = false;
  }
  row.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  row.study_runs = st.runs;
  row.version = PILESIM_VERSION;
  row.scenario_hash = st.scenario_hash;
  if (!row.ok) {
    std::vector<std::string> sets;
    for (std::size_t i = 0; i < st.axes.size(); ++i) sets.push_back(st.axes[i].path + "=" + row.params[i]);
    row.repro = repro_command(st.file, seed, sets);
  }
  return row;
}

// Loads every grid point; names each point's problems on stderr and gives nothing if any point is bad.
std::optional<study> load_study(const std::string& file, std::vector<axis> axes) {
  study st{file, scenario_hash(file).value_or(""), 0, std::move(axes), {}, {}};
  bool bad = false;
  for (std::size_t p = 0, points = grid_size(st.axes); p < points; ++p) {
    st.point_values.push_back(grid_point(st.axes, p));
    std::vector<scenarios::override_setting> ovs;
    for (std::size_t i = 0; i < st.axes.size(); ++i) ovs.push_back({st.axes[i].path, st.point_values[p][i]});
    auto loaded = scenarios::load_scenario_file(file, ovs);
    if (!loaded) {
      for (const auto& d : loaded.error()) std::cerr << scenarios::to_string(d) << "\n";
      bad = true;
      continue;
    }
    st.point_scenarios.push_back(std::move(*loaded));
  }
  if (bad) return std::nullopt;
  return st;
}

// Runs `mine` (indices into the study) on `jobs` threads; the rows keep that order whatever finishes first.
std::vector<run_row> run_study(const study& st, const sweep_options& o, const std::vector<std::uint64_t>& mine,
                               unsigned jobs) {
  std::vector<run_row> rows(mine.size());
  std::size_t done = 0, failed = 0, reported_tenth = 0;
  const auto started = std::chrono::steady_clock::now();
  auto job = [&](std::size_t k) {
    const std::uint64_t i = mine[k];
    rows[k] = run_one(st, i, i / o.seeds, o.seed_start + i % o.seeds);
  };
  auto progress = [&](std::size_t k) {
    ++done;
    failed += rows[k].ok ? 0 : 1;
    const std::size_t tenth = done * 10 / mine.size();
    if (!o.quiet && tenth > reported_tenth) {
      reported_tenth = tenth;
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::cerr << "sweep: " << done << "/" << mine.size() << " done, " << failed << " failed, "
                << fixed_text(el, 1) << " s\n";
    }
  };
  run_on_workers(mine.size(), jobs, job, progress);
  return rows;
}
}  // namespace

int sweep_command(const sweep_options& o) {
  const auto sets = parse_set_flags(o.sets, std::cerr, "v1,v2,...");
  if (!sets) return exit_bad_input;
  const auto shard = study_shard(o.shard, o.seeds, std::cerr);
  if (!shard) return exit_bad_input;

  auto st = load_study(o.file, grid_axes(*sets));
  if (!st) return exit_bad_input;
  const std::uint64_t points = st->point_values.size(), total = points * o.seeds;
  st->runs = total;
  const std::vector<std::uint64_t> mine = shard_runs(total, *shard);
  const unsigned jobs = worker_threads(o.jobs, mine.size());
  if (!o.quiet)
    std::cerr << "sweep: " << o.file << ": " << points << " grid point(s) x " << o.seeds << " seed(s) = " << total
              << " runs; shard " << o.shard << " runs " << mine.size() << " on " << jobs << " thread(s)\n";

  std::vector<std::string> names;
  for (const axis& a : st->axes) names.push_back(a.path);
  const std::vector<std::string> header = sweep_header(names);
  std::vector<std::vector<std::string>> text_rows;
  for (const run_row& r : run_study(*st, o, mine, jobs)) text_rows.push_back(row_fields(r));
  if (!o.out_path.empty() && !write_rows(o.out_path, header, text_rows)) {
    std::cerr << o.out_path << ": cannot write\n";
    return exit_bad_input;
  }
  return study_exit_code(print_sweep_summary(std::cout, header, text_rows), o.strict);
}

}  // namespace pilesim::tools
