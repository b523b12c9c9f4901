#include "tools/sweep_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "contract/money.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace pilesim::tools {
namespace {
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_bad_input = 2;
constexpr std::size_t failing_listed_max = 20;

// One swept key and the values it takes, in the order given.
struct axis {
  std::string path;
  std::vector<std::string> values;
};

// One run of the study, as the CSV row says it. Money stays integer until it is printed.
struct run_row {
  std::uint64_t run = 0;                  // index in the unsharded study: point * seeds + seed offset
  std::vector<std::string> params;        // one value per axis
  std::uint64_t seed = 0;
  std::string result;                     // pass | fail | error
  bool ok = false;                        // the run held (or failed as `expect: {result: fail}` demands)
  std::string trace_hash;
  std::vector<std::string> failed_invariants;
  std::size_t expectation_failures = 0;
  std::size_t sessions = 0;
  std::size_t reconciled = 0;
  std::optional<sim::time_us> reconcile_us;  // max over reconciled sessions of reconciled_at - its start step
  money captured;                         // Σ charged
  money released;                         // Σ refunded
  std::uint64_t events = 0;
  double wall_s = 0;
  std::string repro;                      // filled for runs that did not hold
};

const std::vector<std::string> fixed_head = {"run"};
const std::vector<std::string> fixed_tail = {
    "seed",     "result",     "ok",       "trace_hash", "invariant_failures", "failed_invariants",
    "expectation_failures", "sessions", "reconciled", "reconcile_s", "captured", "released", "events",
    "wall_s",   "repro"};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

// RFC 4180 fields of one line (no embedded newlines: this tool never writes them).
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

// Seconds from µs, exact: "12.500000".
std::string seconds_text(sim::time_us us) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1'000'000),
                static_cast<long long>(us % 1'000'000));
  return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::vector<std::string> header_for(const std::vector<axis>& axes) {
  std::vector<std::string> h = fixed_head;
  for (const axis& a : axes) h.push_back(a.path);
  h.insert(h.end(), fixed_tail.begin(), fixed_tail.end());
  return h;
}

std::vector<std::string> row_fields(const run_row& r) {
  std::vector<std::string> f{std::to_string(r.run)};
  f.insert(f.end(), r.params.begin(), r.params.end());
  char wall[32];
  std::snprintf(wall, sizeof wall, "%.6f", r.wall_s);
  f.insert(f.end(), {std::to_string(r.seed), r.result, r.ok ? "1" : "0", r.trace_hash,
                     std::to_string(r.failed_invariants.size()), join(r.failed_invariants, ";"),
                     std::to_string(r.expectation_failures), std::to_string(r.sessions),
                     std::to_string(r.reconciled), r.reconcile_us ? seconds_text(*r.reconcile_us) : "",
                     format_money(r.captured), format_money(r.released), std::to_string(r.events), wall,
                     r.repro});
  return f;
}

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

std::string repro_for(const std::string& file, std::uint64_t seed, const std::vector<axis>& axes,
                      const std::vector<std::string>& params) {
  std::string cmd = "pilesim run " + shell_quote(file) + " --seed " + std::to_string(seed);
  for (std::size_t i = 0; i < axes.size(); ++i) cmd += " --set " + shell_quote(axes[i].path + "=" + params[i]);
  return cmd;
}

run_row run_one(const scenarios::scenario& s, const std::string& file, const std::vector<axis>& axes,
                std::uint64_t run, std::vector<std::string> params, std::uint64_t seed) {
  run_row row;
  row.run = run;
  row.params = std::move(params);
  row.seed = seed;
  scenarios::run_options ro;
  ro.seed = seed;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    const scenarios::run_outcome_report r = scenarios::run_scenario(s, ro);
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
    row.events = r.events;
  } catch (const scenarios::world_error& e) {
    row.result = "error";
    row.ok = false;
  }
  row.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!row.ok) row.repro = repro_for(file, seed, axes, row.params);
  return row;
}

// What the aggregate table needs from a row, so that `merge` can rebuild it from CSV text.
struct agg_input {
  std::string point;  // "k=v k2=v2", or "(all)" without axes
  bool ok = false;
  std::optional<double> reconcile_s;
  std::string repro;
  std::string what;   // failed invariant names, for the failing list
};

double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return NAN;
  std::size_t rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

// Per grid point: runs, successes, success rate with its Wilson 95 % interval, and p50/p95/p99 of the time to
// reconcile over the runs that reconciled something. Then the failing runs with their repro commands.
void print_aggregate(std::ostream& out, const std::vector<agg_input>& rows) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const agg_input*>> by_point;
  for (const auto& r : rows) {
    if (!by_point.count(r.point)) order.push_back(r.point);
    by_point[r.point].push_back(&r);
  }
  std::size_t w = 5;
  for (const auto& p : order) w = std::max(w, p.size());
  out << std::left << std::setw(static_cast<int>(w)) << "point" << std::right << std::setw(7) << "runs"
      << std::setw(7) << "ok" << std::setw(9) << "success" << std::setw(18) << "95% CI" << std::setw(10)
      << "p50 s" << std::setw(10) << "p95 s" << std::setw(10) << "p99 s" << "\n";
  for (const auto& p : order) {
    const auto& v = by_point[p];
    std::uint64_t ok = 0;
    std::vector<double> t;
    for (const auto* r : v) {
      ok += r->ok ? 1 : 0;
      if (r->reconcile_s) t.push_back(*r->reconcile_s);
    }
    std::sort(t.begin(), t.end());
    const auto [lo, hi] = wilson_interval(ok, v.size());
    out << std::left << std::setw(static_cast<int>(w)) << p << std::right << std::setw(7) << v.size()
        << std::setw(7) << ok << std::setw(9) << fixed(100.0 * static_cast<double>(ok) / v.size(), 1) + "%"
        << std::setw(18) << "[" + fixed(100 * lo, 1) + ", " + fixed(100 * hi, 1) + "]%" << std::setw(10)
        << fixed(nearest_rank(t, 0.50), 1) << std::setw(10) << fixed(nearest_rank(t, 0.95), 1) << std::setw(10)
        << fixed(nearest_rank(t, 0.99), 1) << "\n";
  }
  std::size_t failing = 0;
  for (const auto& r : rows) {
    if (r.ok) continue;
    if (failing == 0) out << "\nfailing runs (reproduce with):\n";
    if (failing < failing_listed_max)
      out << "  " << r.repro << (r.what.empty() ? "" : "    # " + r.what) << "\n";
    ++failing;
  }
  if (failing > failing_listed_max)
    out << "  ... and " << failing - failing_listed_max << " more (the CSV's repro column lists them all)\n";
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

boost::json::object row_json(const std::vector<std::string>& header, const std::vector<std::string>& fields) {
  boost::json::object o;
  for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) o[header[i]] = fields[i];
  return o;
}

bool write_output(const std::string& path, const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  if (ends_with(path, ".json")) {
    boost::json::array a;
    for (const auto& r : rows) a.push_back(row_json(header, r));
    out << boost::json::serialize(a) << "\n";
  } else {
    std::vector<std::string> h;
    for (const auto& c : header) h.push_back(csv_field(c));
    out << join(h, ",") << "\n";
    for (const auto& r : rows) {
      std::vector<std::string> q;
      for (const auto& c : r) q.push_back(csv_field(c));
      out << join(q, ",") << "\n";
    }
  }
  return static_cast<bool>(out);
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_shard(const std::string& text) {
  unsigned long long k = 0, n = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%llu/%llu%c", &k, &n, &tail) != 2 || n == 0 || k == 0 || k > n) return {};
  return std::pair<std::uint64_t, std::uint64_t>{k, n};
}

// "money_conserved; 2 expectation(s)": why a run failed, for the failing list.
std::string failure_words(const std::string& invariants, const std::string& expectations) {
  std::string w = invariants;
  if (!expectations.empty() && expectations != "0") w += (w.empty() ? "" : "; ") + expectations + " expectation(s)";
  return w;
}

std::string point_label(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  if (names.empty()) return "(all)";
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < names.size(); ++i) parts.push_back(names[i] + "=" + values[i]);
  return join(parts, " ");
}
}  // namespace

std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> out(1);
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  return out;
}

std::string shell_quote(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_-./=:+%@,").find(c) != std::string_view::npos;
  });
  if (plain) return text;
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::pair<double, double> wilson_interval(std::uint64_t ok, std::uint64_t n) {
  if (n == 0) return {0.0, 1.0};
  const double z = 1.959963984540054;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(ok) / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

int sweep_command(const sweep_options& o) {
  std::vector<axis> axes;
  for (const std::string& s : o.sets) {
    auto ov = scenarios::parse_override(s);
    if (!ov) {
      std::cerr << "--set '" << s << "': expected key.path=v1,v2,...\n";
      return exit_bad_input;
    }
    axes.push_back({ov->path, split_values(ov->value)});
  }
  const auto shard = parse_shard(o.shard);
  if (!shard) {
    std::cerr << "--shard '" << o.shard << "': expected K/N with 1 <= K <= N\n";
    return exit_bad_input;
  }
  if (o.seeds == 0) {
    std::cerr << "--seeds must be at least 1\n";
    return exit_bad_input;
  }

  // Every grid point is loaded (and so checked) before anything runs: a bad value fails the study at once.
  std::size_t points = 1;
  for (const axis& a : axes) points *= a.values.size();
  std::vector<std::vector<std::string>> point_values(points);
  std::vector<scenarios::scenario> point_scenarios;
  bool bad = false;
  for (std::size_t p = 0; p < points; ++p) {
    std::size_t rest = p;
    std::vector<scenarios::override_setting> ovs(axes.size());
    point_values[p].resize(axes.size());
    for (std::size_t i = axes.size(); i-- > 0;) {  // the last --set varies fastest
      point_values[p][i] = axes[i].values[rest % axes[i].values.size()];
      rest /= axes[i].values.size();
      ovs[i] = {axes[i].path, point_values[p][i]};
    }
    auto loaded = scenarios::load_scenario_file(o.file, ovs);
    if (!loaded) {
      for (const auto& d : loaded.error()) std::cerr << scenarios::to_string(d) << "\n";
      bad = true;
      point_scenarios.emplace_back();
      continue;
    }
    point_scenarios.push_back(std::move(*loaded));
  }
  if (bad) return exit_bad_input;

  const std::uint64_t total = points * o.seeds;
  std::vector<std::uint64_t> mine;
  for (std::uint64_t i = 0; i < total; ++i)
    if (i % shard->second == shard->first - 1) mine.push_back(i);

  unsigned jobs = o.jobs == 0 ? std::max(1u, std::thread::hardware_concurrency()) : o.jobs;
  jobs = static_cast<unsigned>(std::min<std::uint64_t>(jobs, std::max<std::uint64_t>(1, mine.size())));
  if (!o.quiet)
    std::cerr << "sweep: " << o.file << ": " << points << " grid point(s) x " << o.seeds << " seed(s) = " << total
              << " runs; shard " << o.shard << " runs " << mine.size() << " on " << jobs << " thread(s)\n";

  // Workers take the next index and fill its slot; the slots keep run order whatever finishes first.
  std::vector<run_row> rows(mine.size());
  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  std::size_t done = 0, failed = 0, reported_tenth = 0;
  const auto started = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (std::size_t k = next++; k < mine.size(); k = next++) {
      const std::uint64_t i = mine[k];
      const std::size_t p = i / o.seeds;
      rows[k] = run_one(point_scenarios[p], o.file, axes, i, point_values[p], o.seed_start + i % o.seeds);
      std::lock_guard lock(progress_mutex);
      ++done;
      failed += rows[k].ok ? 0 : 1;
      const std::size_t tenth = done * 10 / mine.size();
      if (!o.quiet && tenth > reported_tenth) {
        reported_tenth = tenth;
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::cerr << "sweep: " << done << "/" << mine.size() << " done, " << failed << " failed, "
                  << fixed(el, 1) << " s\n";
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  std::vector<std::string> names;
  for (const axis& a : axes) names.push_back(a.path);
  std::vector<std::vector<std::string>> text_rows;
  std::vector<agg_input> agg;
  for (const run_row& r : rows) {
    text_rows.push_back(row_fields(r));
    std::optional<double> t;
    if (r.reconcile_us) t = static_cast<double>(*r.reconcile_us) / 1e6;
    agg.push_back({point_label(names, r.params), r.ok, t, r.repro,
                   failure_words(join(r.failed_invariants, ";"), std::to_string(r.expectation_failures))});
  }
  if (!o.out_path.empty() && !write_output(o.out_path, header_for(axes), text_rows)) {
    std::cerr << o.out_path << ": cannot write\n";
    return exit_bad_input;
  }
  print_aggregate(std::cout, agg);
  return failed == 0 ? exit_ok : exit_failed;
}

int merge_command(const std::string& out_path, const std::vector<std::string>& in_paths) {
  std::vector<std::string> header;
  std::vector<std::pair<std::uint64_t, std::vector<std::string>>> rows;
  for (const std::string& path : in_paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << path << ": cannot read\n";
      return exit_bad_input;
    }
    std::string line;
    if (!std::getline(in, line)) {
      std::cerr << path << ": empty, expected a sweep CSV\n";
      return exit_bad_input;
    }
    auto h = csv_split(line);
    if (h.empty() || h.front() != "run" || h.size() < fixed_head.size() + fixed_tail.size()) {
      std::cerr << path << ":1: not a sweep CSV header\n";
      return exit_bad_input;
    }
    if (header.empty()) header = h;
    if (h != header) {
      std::cerr << path << ":1: header differs from " << in_paths.front() << "'s\n";
      return exit_bad_input;
    }
    for (int n = 2; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      auto f = csv_split(line);
      char* end = nullptr;
      const unsigned long long run = std::strtoull(f.front().c_str(), &end, 10);
      if (f.size() != header.size() || f.front().empty() || *end != '\0') {
        std::cerr << path << ":" << n << ": malformed row\n";
        return exit_bad_input;
      }
      rows.emplace_back(run, std::move(f));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i].first == rows[i - 1].first) {
      std::cerr << "run " << rows[i].first << " appears in more than one input (overlapping shards?)\n";
      return exit_bad_input;
    }
  std::vector<std::vector<std::string>> text_rows;
  for (auto& r : rows) text_rows.push_back(std::move(r.second));
  if (!write_output(out_path, header, text_rows)) {
    std::cerr << out_path << ": cannot write\n";
    return exit_bad_input;
  }
  // Rebuild the aggregate from the text: parameter columns sit between "run" and the fixed tail.
  const std::size_t nparams = header.size() - fixed_head.size() - fixed_tail.size();
  const std::vector<std::string> names(header.begin() + 1, header.begin() + 1 + static_cast<long>(nparams));
  auto col = [&](const char* name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t c_ok = col("ok"), c_t = col("reconcile_s"), c_repro = col("repro"), c_inv = col("failed_invariants");
  std::vector<agg_input> agg;
  bool any_failed = false;
  for (const auto& f : text_rows) {
    const std::vector<std::string> values(f.begin() + 1, f.begin() + 1 + static_cast<long>(nparams));
    std::optional<double> t;
    if (!f[c_t].empty()) t = std::strtod(f[c_t].c_str(), nullptr);
    agg.push_back({point_label(names, values), f[c_ok] == "1", t, f[c_repro],
                   failure_words(f[c_inv], f[col("expectation_failures")])});
    any_failed |= f[c_ok] != "1";
  }
  std::cerr << "merge: " << text_rows.size() << " runs from " << in_paths.size() << " file(s) into " << out_path
            << "\n";
  print_aggregate(std::cout, agg);
  return any_failed ? exit_failed : exit_ok;
}

}  // namespace pilesim::tools
