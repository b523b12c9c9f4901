#include "scenarios/engine/report.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>
#include <string_view>

namespace pilesim::scenarios {
namespace {

namespace json = boost::json;

std::string seconds(sim::time_us t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(t) / 1e6);
  return buf;
}

std::string kwh(std::int64_t wh) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(wh / 1000), static_cast<long long>(wh % 1000));
  return buf;
}

json::array checks_json(const std::vector<check_outcome>& v, std::string_view name_key) {
  json::array a;
  for (const auto& c : v) {
    json::object o;
    o[name_key] = c.what;
    o["held"] = c.held;
    o["detail"] = c.detail;
    a.push_back(std::move(o));
  }
  return a;
}

void print_checks(std::ostream& out, std::string_view title, const std::vector<check_outcome>& v) {
  std::size_t held = 0;
  for (const auto& c : v) held += c.held ? 1 : 0;
  out << title << ": " << held << "/" << v.size() << " held\n";
  for (const auto& c : v)
    if (!c.held) out << "  FAILED " << c.what << (c.detail.empty() ? "" : " — " + c.detail) << "\n";
}

// One row per session and reservation, and every balance.
void add_rows(json::object& o, const run_outcome_report& r) {
  json::array sessions;
  for (const auto& s : r.sessions) {
    json::object x;
    x["user"] = s.user;
    x["pile"] = s.pile;
    x["session"] = s.session_id;
    x["state"] = s.state;
    x["stop_reason"] = s.stop_reason;
    if (!s.refused_why.empty()) x["refused"] = s.refused_why;
    x["energy_wh"] = s.energy_wh;
    x["frozen"] = format_money(s.frozen);
    x["charged"] = format_money(s.charged);
    x["refunded"] = format_money(s.refunded);
    if (s.reconciled_at_us) x["reconciled_at_s"] = static_cast<double>(*s.reconciled_at_us) / 1e6;
    else x["reconciled_at_s"] = nullptr;
    if (s.pile_clock_offset_us) x["pile_clock_offset_s"] = static_cast<double>(*s.pile_clock_offset_us) / 1e6;
    else x["pile_clock_offset_s"] = nullptr;
    sessions.push_back(std::move(x));
  }
  o["sessions"] = std::move(sessions);
  json::array reservations;
  for (const auto& x : r.reservations)
    reservations.push_back(json::object{{"user", x.user}, {"pile", x.pile}, {"state", x.state}});
  o["reservations"] = std::move(reservations);
  json::object balances;
  for (const auto& [user, m] : r.balances) balances[user] = format_money(m);
  o["balances"] = std::move(balances);
}

json::object counts_json(const std::map<std::string, std::int64_t>& counts) {
  json::object o;
  for (const auto& [k, n] : counts) o[k] = n;
  return o;
}

json::object aggregates_json(const run_aggregates& a) {
  json::object o;
  o["sessions"] = a.sessions;
  o["started"] = a.started;
  o["reconciled"] = a.reconciled;
  o["expired"] = a.expired;
  o["open"] = a.open;
  o["starts_refused"] = a.starts_refused;
  o["gave_up"] = a.gave_up;
  o["starts_by_state"] = counts_json(a.by_state);
  o["by_stop_reason"] = counts_json(a.by_stop_reason);
  o["reservations_by_state"] = counts_json(a.reservations);
  o["energy_wh"] = a.energy_wh;
  o["captured"] = format_money(a.captured);
  o["refunded"] = format_money(a.refunded);
  o["fees"] = format_money(a.fees);
  o["still_frozen"] = format_money(a.still_frozen);
  o["peak_frozen"] = format_money(a.peak_frozen);
  o["peak_frozen_at_s"] = static_cast<double>(a.peak_frozen_at_us) / 1e6;
  o["bills_waiting_at_end"] = a.bills_waiting_at_end;
  const delay_percentiles& d = a.reconcile;
  o["reconcile_delay_s"] = json::object{{"count", d.count},
                                        {"p50", static_cast<double>(d.p50_us) / 1e6},
                                        {"p95", static_cast<double>(d.p95_us) / 1e6},
                                        {"p99", static_cast<double>(d.p99_us) / 1e6},
                                        {"max", static_cast<double>(d.max_us) / 1e6}};
  return o;
}

json::object series_json(const run_series& s) {
  json::array at, active, frozen, waiting;
  for (sim::time_us t : s.at_us) at.push_back(static_cast<double>(t) / 1e6);
  for (std::int64_t v : s.sessions_active) active.push_back(v);
  for (money m : s.money_frozen) frozen.push_back(json::string(format_money(m)));
  for (std::int64_t v : s.bills_waiting) waiting.push_back(v);
  return json::object{{"step_s", static_cast<double>(s.step_us) / 1e6}, {"at_s", std::move(at)},
                      {"sessions_active", std::move(active)}, {"money_frozen", std::move(frozen)},
                      {"bills_waiting", std::move(waiting)}};
}

void print_rows(std::ostream& out, const run_outcome_report& r) {
  out << std::left << std::setw(8) << "user" << std::setw(6) << "pile" << std::setw(6) << "id" << std::setw(12)
      << "state" << std::setw(11) << "reason" << std::right << std::setw(10) << "kWh" << std::setw(10) << "frozen"
      << std::setw(10) << "charged" << std::setw(10) << "refunded" << std::setw(12) << "reconciled" << "\n";
  for (const auto& s : r.sessions) {
    out << std::left << std::setw(8) << s.user << std::setw(6) << s.pile << std::setw(6) << s.session_id
        << std::setw(12) << s.state << std::setw(11) << (s.stop_reason.empty() ? "-" : s.stop_reason) << std::right
        << std::setw(10) << kwh(s.energy_wh) << std::setw(10) << format_money(s.frozen) << std::setw(10)
        << format_money(s.charged) << std::setw(10) << format_money(s.refunded) << std::setw(12)
        << (s.reconciled_at_us ? seconds(*s.reconciled_at_us) : "-") << "\n";
    if (!s.refused_why.empty()) out << "        refused: " << s.refused_why << "\n";
    // Only a pile clock that is off by more than any relay could take is worth a line.
    if (s.pile_clock_offset_us && (*s.pile_clock_offset_us >= sim::minute || *s.pile_clock_offset_us <= -sim::minute))
      out << "        pile clock seen " << (*s.pile_clock_offset_us < 0 ? "-" : "+")
          << seconds(*s.pile_clock_offset_us < 0 ? -*s.pile_clock_offset_us : *s.pile_clock_offset_us)
          << " off the server's\n";
  }
  if (!r.reservations.empty()) {
    out << "reservations:";
    for (const auto& x : r.reservations) out << " " << x.user << "@" << x.pile << "=" << x.state;
    out << "\n";
  }
  out << "balances:";
  for (const auto& [user, m] : r.balances) out << " " << user << "=" << format_money(m);
  out << "\n";
}

void print_counts(std::ostream& out, std::string_view title, const std::map<std::string, std::int64_t>& counts) {
  out << title << ":";
  if (counts.empty()) out << " none";
  for (const auto& [k, n] : counts) out << " " << k << "=" << n;
  out << "\n";
}

// The run added up, in place of the rows.
void print_aggregates(std::ostream& out, const run_outcome_report& r) {
  const run_aggregates& a = r.totals;
  out << "sessions: " << a.sessions << " created, " << a.started << " started, " << a.reconciled << " reconciled, "
      << a.expired << " expired, " << a.open << " open; starts refused by the server: " << a.starts_refused
      << "; gave up: " << a.gave_up << "\n";
  print_counts(out, "  starts by state", a.by_state);
  print_counts(out, "  by stop reason", a.by_stop_reason);
  out << "energy billed: " << kwh(a.energy_wh) << " kWh\n";
  out << "money: captured " << format_money(a.captured) << ", refunded " << format_money(a.refunded)
      << ", no-show fees " << format_money(a.fees) << ", still frozen " << format_money(a.still_frozen)
      << "; peak frozen " << format_money(a.peak_frozen) << " at " << seconds(a.peak_frozen_at_us) << "\n";
  const delay_percentiles& d = a.reconcile;
  out << "reconcile delay over " << d.count << " reconciled: p50 " << seconds(d.p50_us) << ", p95 "
      << seconds(d.p95_us) << ", p99 " << seconds(d.p99_us) << ", max " << seconds(d.max_us)
      << "; bills still waiting at until: " << a.bills_waiting_at_end << "\n";
  if (!a.slowest.empty()) {
    out << "slowest reconciliations:";
    for (const auto& x : a.slowest)
      out << " " << x.session_id << " (" << x.user << "@" << x.pile << ") " << seconds(x.delay_us()) << ";";
    out << "\n";
  }
  print_counts(out, "reservations", a.reservations);
  money total{}, lowest{};
  std::string lowest_user;
  for (const auto& [user, m] : r.balances) {
    total += m;
    if (lowest_user.empty() || m < lowest) lowest = m, lowest_user = user;
  }
  out << "balances: " << r.balances.size() << " users, total " << format_money(total);
  if (!lowest_user.empty()) out << ", lowest " << format_money(lowest) << " (" << lowest_user << ")";
  out << "\n";
}

}  // namespace

bool lists_rows(const run_outcome_report& r, session_rows rows) {
  if (rows == session_rows::automatic) return r.sessions.size() <= rows_listed_max;
  return rows == session_rows::all;
}

std::string session_repro(const report_options& o, std::uint64_t session_id) {
  return o.repro_command + " --sessions all --json | jq -c '.runs[0].sessions[] | select(.session == " +
         std::to_string(session_id) + ")'" + o.repro_note;
}

void print_summary(std::ostream& out, const run_outcome_report& r, const std::string& repro, session_rows rows) {
  out << "scenario: " << r.scenario << " (" << r.file << ")\n";
  out << "seed: " << r.seed << "\n";
  if (lists_rows(r, rows)) print_rows(out, r);
  else print_aggregates(out, r);
  if (!r.refused.empty()) {
    out << "refused:";
    for (const auto& [kind, n] : r.refused) out << " " << kind << "=" << n;
    out << "\n";
  }
  if (!r.faults.empty()) {
    out << "faults:";
    for (const auto& f : r.faults)
      out << " " << f.kind << "(" << f.target << ")@" << seconds(f.at_us) << (f.applied ? "" : "[NEVER APPLIED]");
    out << "\n";
  }
  print_checks(out, "invariants", r.invariants);
  print_checks(out, "expectations", r.expectations);
  if (!r.kernel_failure.empty()) out << "kernel failure: " << r.kernel_failure << "\n";
  char ratio[64] = "n/a";
  if (r.wall_s > 0) std::snprintf(ratio, sizeof ratio, "%.0f", static_cast<double>(r.sim_us) / 1e6 / r.wall_s);
  out << "trace hash: " << r.trace_hash << "   events: " << r.events << "   simulated: " << seconds(r.sim_us)
      << "   wall: " << std::fixed << std::setprecision(3) << r.wall_s << "s (checks " << r.check_wall_s
      << "s)   sim/wall: " << ratio << "\n";
  out.unsetf(std::ios::fixed);
  out << "result: " << r.result_word() << (r.expect_fail ? " (expected: fail)" : "") << "\n";
  out << "reproduce: " << repro << "\n";
}

std::string to_json(const run_outcome_report& r, const report_options& opt) {
  json::object o;
  o["scenario"] = r.scenario;
  o["file"] = r.file;
  o["seed"] = r.seed;
  o["result"] = r.result_word();
  o["expected_result"] = r.expect_fail ? "fail" : "pass";
  o["ok"] = r.ok();
  o["trace_hash"] = r.trace_hash;
  o["events"] = r.events;
  o["trace_events"] = r.trace_events;
  o["sim_seconds"] = static_cast<double>(r.sim_us) / 1e6;
  o["wall_seconds"] = r.wall_s;
  o["check_wall_seconds"] = r.check_wall_s;
  if (!opt.repro.empty()) o["reproduce"] = opt.repro;
  if (!r.kernel_failure.empty()) o["kernel_failure"] = r.kernel_failure;
  const bool rows = lists_rows(r, opt.rows);
  o["rows_listed"] = rows;
  if (rows) add_rows(o, r);
  o["aggregates"] = aggregates_json(r.totals);
  o["series"] = series_json(r.totals.series);
  json::array slowest;
  for (const auto& x : r.totals.slowest) {
    json::object s{{"session", x.session_id},
                   {"user", x.user},
                   {"pile", x.pile},
                   {"ended_at_s", static_cast<double>(x.ended_at_us) / 1e6},
                   {"reconciled_at_s", static_cast<double>(x.reconciled_at_us) / 1e6},
                   {"delay_s", static_cast<double>(x.delay_us()) / 1e6}};
    if (!opt.repro_command.empty()) s["reproduce"] = session_repro(opt, x.session_id);
    slowest.push_back(std::move(s));
  }
  o["slowest_reconciliations"] = std::move(slowest);
  json::object refused;
  for (const auto& [kind, n] : r.refused) refused[kind] = n;
  o["refused"] = std::move(refused);
  o["invariants"] = checks_json(r.invariants, "name");
  o["expectations"] = checks_json(r.expectations, "what");
  json::array faults;
  for (const auto& f : r.faults)
    faults.push_back(json::object{{"at_s", static_cast<double>(f.at_us) / 1e6}, {"kind", f.kind},
                                  {"target", f.target}, {"applied", f.applied}});
  o["faults"] = std::move(faults);
  return json::serialize(o);
}

}  // namespace pilesim::scenarios
