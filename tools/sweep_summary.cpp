#include "tools/sweep_summary.hpp"

#include "tools/exit_codes.hpp"
#include "tools/repro_command.hpp"
#include "tools/stats.hpp"
#include "tools/sweep_rows.hpp"

#include <boost/algorithm/string/join.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

namespace pilesim::tools {
namespace {

// What the table needs from one row.
struct summary_row {
  std::string point;  // "k=v k2=v2", or "(all)" without axes
  bool ok = false;
  bool invariant_broken = false;  // not ok, and an invariant failed (or the run could not be built)
  std::optional<double> reconcile_s;
  std::string repro;  // the command, then the version and scenario hash of its row
  std::string what;   // why it failed, for the failing list
};

std::string point_label(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  if (names.empty()) return "(all)";
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < names.size(); ++i) parts.push_back(names[i] + "=" + values[i]);
  return boost::algorithm::join(parts, " ");
}

// "money_conserved; 2 expectation(s)": why a run failed, for the failing list.
std::string failure_words(const std::string& invariants, const std::string& expectations) {
  std::string w = invariants;
  if (!expectations.empty() && expectations != "0") w += (w.empty() ? "" : "; ") + expectations + " expectation(s)";
  return w;
}

// Parameter columns sit between "run" and the fixed columns after the axes.
std::vector<summary_row> summary_rows(const std::vector<std::string>& header,
                                      const std::vector<std::vector<std::string>>& rows) {
  const auto axes = static_cast<long>(header.size() - 1 - columns_after_axes.size());
  const std::vector<std::string> names(header.begin() + 1, header.begin() + 1 + axes);
  auto col = [&](const char* name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t c_ok = col("ok"), c_t = col("reconcile_s"), c_repro = col("repro");
  const std::size_t c_version = col("version"), c_hash = col("scenario_hash");
  const std::size_t c_inv = col("failed_invariants"), c_exp = col("expectation_failures");
  const std::size_t c_inv_n = col("invariant_failures"), c_result = col("result");
  std::vector<summary_row> out;
  for (const auto& f : rows) {
    const std::vector<std::string> values(f.begin() + 1, f.begin() + 1 + axes);
    std::optional<double> t;
    if (!f[c_t].empty()) t = std::strtod(f[c_t].c_str(), nullptr);
    const bool ok = f[c_ok] == "1";
    const bool broken = !ok && ((f[c_inv_n] != "0" && !f[c_inv_n].empty()) || f[c_result] == "error");
    auto field = [&](std::size_t c) { return c < f.size() ? f[c] : std::string(); };
    const std::string repro = f[c_repro].empty() ? "" : f[c_repro] + repro_note(field(c_version), field(c_hash));
    out.push_back({point_label(names, values), ok, broken, t, repro, failure_words(f[c_inv], f[c_exp])});
  }
  return out;
}

void print_points(std::ostream& out, const std::vector<summary_row>& rows) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const summary_row*>> by_point;
  for (const auto& r : rows) {
    if (!by_point.count(r.point)) order.push_back(r.point);
    by_point[r.point].push_back(&r);
  }
  std::size_t w = 5;
  for (const auto& p : order) w = std::max(w, p.size());
  out << std::left << std::setw(static_cast<int>(w)) << "point" << std::right << std::setw(7) << "runs"
      << std::setw(7) << "ok" << std::setw(9) << "success" << std::setw(18) << "95% CI" << std::setw(6) << "inv"
      << std::setw(6) << "exp" << std::setw(10) << "p50 s" << std::setw(10) << "p95 s" << std::setw(10) << "p99 s" << "\n";
  for (const auto& p : order) {
    const auto& v = by_point[p];
    std::uint64_t ok = 0, broken = 0;
    std::vector<double> t;
    for (const auto* r : v) {
      ok += r->ok ? 1 : 0;
      broken += r->invariant_broken ? 1 : 0;
      if (r->reconcile_s) t.push_back(*r->reconcile_s);
    }
    std::sort(t.begin(), t.end());
    const auto [lo, hi] = wilson_interval(ok, v.size());
    out << std::left << std::setw(static_cast<int>(w)) << p << std::right << std::setw(7) << v.size()
        << std::setw(7) << ok << std::setw(9) << fixed_text(100.0 * static_cast<double>(ok) / v.size(), 1) + "%"
        << std::setw(18) << "[" + fixed_text(100 * lo, 1) + ", " + fixed_text(100 * hi, 1) + "]%"
        << std::setw(6) << broken << std::setw(6) << v.size() - ok - broken << std::setw(10) << fixed_text(nearest_rank(t, 0.50), 1) << std::setw(10)
        << fixed_text(nearest_rank(t, 0.95), 1) << std::setw(10) << fixed_text(nearest_rank(t, 0.99), 1) << "\n";
  }
}

sweep_tally print_failing(std::ostream& out, const std::vector<summary_row>& rows) {
  sweep_tally tally;
  tally.runs = rows.size();
  std::size_t& failing = tally.not_ok;
  for (const auto& r : rows) {
    if (r.ok) continue;
    ++(r.invariant_broken ? tally.invariant_broken : tally.expectation_missed);
    if (failing == 0) out << "\nfailing runs (reproduce with):\n";
    if (failing < failing_listed_max)
      out << "  " << r.repro << (r.what.empty() ? "" : "; " + r.what) << "\n";
    ++failing;
  }
  if (failing > failing_listed_max)
    out << "  ... and " << failing - failing_listed_max << " more (the CSV's repro column lists them all)\n";
  if (failing > 0)
    out << "\n" << tally.invariant_broken << " run(s) broke an invariant, " << tally.expectation_missed
        << " only missed expectations\n";
  return tally;
}
}  // namespace

sweep_tally print_sweep_summary(std::ostream& out, const std::vector<std::string>& header,
                                const std::vector<std::vector<std::string>>& rows) {
  const std::vector<summary_row> s = summary_rows(header, rows);
  print_points(out, s);
  return print_failing(out, s);
}

int study_exit_code(const sweep_tally& t, bool strict) {
  if (t.invariant_broken > 0) return exit_failed;
  return strict && t.not_ok > 0 ? exit_failed : exit_ok;
}

std::string fixed_text(double v, int digits) {
  if (std::isnan(v)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace pilesim::tools
