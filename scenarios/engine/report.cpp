#include "scenarios/engine/report.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <iomanip>
#include <sstream>

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

}  // namespace

void print_summary(std::ostream& out, const run_outcome_report& r, const std::string& repro) {
  out << "scenario: " << r.scenario << " (" << r.file << ")\n";
  out << "seed: " << r.seed << "\n";
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
  }
  if (!r.reservations.empty()) {
    out << "reservations:";
    for (const auto& x : r.reservations) out << " " << x.user << "@" << x.pile << "=" << x.state;
    out << "\n";
  }
  out << "balances:";
  for (const auto& [user, m] : r.balances) out << " " << user << "=" << format_money(m);
  out << "\n";
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
      << "   wall: " << std::fixed << std::setprecision(3) << r.wall_s << "s   sim/wall: " << ratio << "\n";
  out.unsetf(std::ios::fixed);
  out << "result: " << r.result_word() << (r.expect_fail ? " (expected: fail)" : "") << "\n";
  out << "reproduce: " << repro << "\n";
}

std::string to_json(const run_outcome_report& r) {
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
  if (!r.kernel_failure.empty()) o["kernel_failure"] = r.kernel_failure;
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
    sessions.push_back(std::move(x));
  }
  o["sessions"] = std::move(sessions);
  json::array reservations;
  for (const auto& x : r.reservations) reservations.push_back(json::object{{"user", x.user}, {"pile", x.pile}, {"state", x.state}});
  o["reservations"] = std::move(reservations);
  json::object balances;
  for (const auto& [user, m] : r.balances) balances[user] = format_money(m);
  o["balances"] = std::move(balances);
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
