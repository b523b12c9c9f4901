#include "scenarios/engine/expectations.hpp"

#include "scenarios/engine/refusal_kinds.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace pilesim::scenarios {
namespace {

std::string where(const scenario& s, source_pos p) {
  return s.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

template <class T, class F>
std::string bounds_text(const bounds<T>& b, F fmt) {
  if (b.min && b.max && *b.min == *b.max) return fmt(*b.min);
  std::string out;
  if (b.min) out += fmt(*b.min);
  out += "..";
  if (b.max) out += fmt(*b.max);
  return out;
}

std::string wh_as_kwh(std::int64_t wh) {
  std::string s = std::to_string(wh / 1000) + ".";
  std::string frac = std::to_string(wh % 1000);
  return s + std::string(3 - frac.size(), '0') + frac;
}

// One verdict on the expectation written at `p`; a failed one says where, then `detail`.
void add(std::vector<check_outcome>& out, std::string what, bool held, const scenario& s, source_pos p,
         std::string detail) {
  out.push_back({std::move(what), held, held ? std::string() : where(s, p) + ": " + detail, s.file, p.line,
                 p.column});
}

// Each user's outcomes in the order they happened: expectations match the nth of a user to the nth outcome.
template <class Outcome>
std::map<std::string, std::vector<const Outcome*>> by_user(const std::vector<Outcome>& all) {
  std::map<std::string, std::vector<const Outcome*>> out;
  for (const Outcome& o : all) out[o.user].push_back(&o);
  return out;
}

template <class Outcome>
const Outcome* nth_of(const std::map<std::string, std::vector<const Outcome*>>& index, const std::string& user,
                      std::size_t nth, std::size_t& count) {
  auto it = index.find(user);
  count = it == index.end() ? 0 : it->second.size();
  return nth < count ? it->second[nth] : nullptr;
}

void check_session(std::vector<check_outcome>& out, const scenario& s, const session_expectation& x,
                   const std::string& label, const session_outcome& got) {
  if (x.state) {
    const std::string want(to_string(x.state->value));
    add(out, label + ".state == " + want, got.state == want,
        s, x.state->pos, "state is " + got.state +
            (got.refused_why.empty() ? "" : " (" + got.refused_why + ")"));
  }
  if (x.reason) {
    const std::string want(to_string(x.reason->value));
    add(out, label + ".stop_reason == " + want, got.stop_reason == want,
        s, x.reason->pos, "stop_reason is " + (got.stop_reason.empty() ? "none" : got.stop_reason));
  }
  if (x.energy_wh) {
    add(out, label + ".energy_kwh in " + bounds_text(x.energy_wh->value, wh_as_kwh),
        x.energy_wh->value.contains(got.energy_wh),
        s, x.energy_wh->pos, "energy is " + wh_as_kwh(got.energy_wh) + " kWh");
  }
  if (x.charged) {
    add(out, label + ".charged in " + bounds_text(x.charged->value, format_money),
        x.charged->value.contains(got.charged),
        s, x.charged->pos, "charged " + format_money(got.charged));
  }
  if (x.reconciled_by_us) {
    const bool held = got.reconciled_at_us && *got.reconciled_at_us <= x.reconciled_by_us->value;
    add(out, label + ".reconciled_by " + std::to_string(x.reconciled_by_us->value / sim::sec) + "s", held,
        s, x.reconciled_by_us->pos, "" +
            (got.reconciled_at_us ? "reconciled at " + std::to_string(*got.reconciled_at_us / sim::sec) + "s"
                                  : std::string("never reconciled")));
  }
}

void check_sessions(std::vector<check_outcome>& out, const scenario& s, const run_outcome_report& r) {
  const auto index = by_user(r.sessions);
  std::map<std::string, std::size_t> seen;  // per user: how many expectations matched so far
  for (const session_expectation& x : s.expect.sessions) {
    const std::size_t nth = seen[x.user]++;
    const std::string label = "sessions[" + x.user + "#" + std::to_string(nth) + "]";
    std::size_t count = 0;
    const session_outcome* got = nth_of(index, x.user, nth, count);
    if (!got) {
      add(out, label + " exists", false,
          s, x.pos, "user " + x.user + " started " + std::to_string(count) + " session(s)");
      continue;
    }
    check_session(out, s, x, label, *got);
  }
}

void check_reservations(std::vector<check_outcome>& out, const scenario& s, const run_outcome_report& r) {
  const auto index = by_user(r.reservations);
  std::map<std::string, std::size_t> seen;
  for (const reservation_expectation& x : s.expect.reservations) {
    const std::size_t nth = seen[x.user]++;
    const std::string label = "reservations[" + x.user + "#" + std::to_string(nth) + "]";
    std::size_t count = 0;
    const reservation_outcome* got = nth_of(index, x.user, nth, count);
    if (!got) {
      add(out, label + " exists", false, s, x.pos, "user " + x.user + " made " + std::to_string(count) +
                                             " reservation(s)");
      continue;
    }
    if (x.state) {
      const std::string want(to_string(x.state->value));
      add(out, label + ".state == " + want, got->state == want, s, x.state->pos, "state is " + got->state);
    }
  }
}

void check_balances(std::vector<check_outcome>& out, const scenario& s, const run_outcome_report& r) {
  for (const balance_expectation& x : s.expect.balances) {
    auto it = r.balances.find(x.user);
    const money got = it == r.balances.end() ? money{} : it->second;
    add(out, "balances." + x.user + " in " + bounds_text(x.balance, format_money), x.balance.contains(got),
        s, x.pos, "balance is " + format_money(got));
  }
}

void check_refused(std::vector<check_outcome>& out, const scenario& s, const run_outcome_report& r) {
  for (const refused_expectation& x : s.expect.refused) {
    const std::string label = "refused." + x.kind + " in " +
                              bounds_text(x.count, [](std::int64_t v) { return std::to_string(v); });
    if (!is_refusal_kind(x.kind)) {  // the loader refuses these; a scenario built in code may not
      add(out, label, false,
          s, x.pos, "unknown refusal kind '" + x.kind + "' (known: " + refusal_kind_list() + ")");
      continue;
    }
    auto it = r.refused.find(x.kind);
    const std::int64_t got = it == r.refused.end() ? 0 : it->second;
    add(out, label, x.count.contains(got), s, x.pos, "counted " + std::to_string(got));
  }
}

std::string count_text(std::int64_t v) { return std::to_string(v); }

// 990000 -> "0.99", 1000000 -> "1"
std::string share_text(std::int64_t ppm) {
  std::string frac = std::to_string(1'000'000 + ppm % 1'000'000).substr(1);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return std::to_string(ppm / 1'000'000) + (frac.empty() ? "" : "." + frac);
}

// As a file writes it: 2m, 1h30m, 12.5s, 250ms.
std::string duration_text(sim::time_us us) {
  if (us % sim::sec != 0) {
    if (us < sim::sec) return std::to_string(us / sim::msec) + "ms";
    return std::to_string(us / sim::sec) + "." + std::to_string(us % sim::sec / 100'000) + "s";
  }
  std::int64_t s = us / sim::sec;
  if (s == 0) return "0s";
  std::string out;
  const std::pair<std::int64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (const auto& [n, unit] : units)
    if (s >= n) {
      out += std::to_string(s / n) + unit;
      s %= n;
    }
  return out;
}

template <class T, class F>
void check_total(std::vector<check_outcome>& out, const scenario& s, const char* key,
                 const std::optional<located<bounds<T>>>& want, const T& got, F fmt, const std::string& unit) {
  if (!want) return;
  add(out, std::string("totals.") + key + " in " + bounds_text(want->value, fmt), want->value.contains(got), s,
      want->pos, "counted " + fmt(got) + unit);
}

void check_totals(std::vector<check_outcome>& out, const scenario& s, const run_outcome_report& r) {
  const totals_expectation& t = s.expect.totals;
  const run_aggregates& a = r.totals;
  check_total(out, s, "sessions", t.sessions, a.sessions, count_text, "");
  check_total(out, s, "reconciled", t.reconciled, a.reconciled, count_text, "");
  check_total(out, s, "expired", t.expired, a.expired, count_text, "");
  check_total(out, s, "refused", t.refused, a.starts_refused, count_text, "");
  check_total(out, s, "gave_up", t.gave_up, a.gave_up, count_text, "");
  check_total(out, s, "energy_kwh", t.energy_wh, a.energy_wh, wh_as_kwh, " kWh");
  check_total(out, s, "charged", t.charged, a.captured, format_money, "");
}

// The share is compared exactly: min <= reconciled / started <= max, in integers.
void check_shares(std::vector<check_outcome>& out, const scenario& s, const run_outcome_report& r) {
  const auto& want = s.expect.shares.reconciled_ppm;
  if (!want) return;
  const run_aggregates& a = r.totals;
  const std::string label = "shares.reconciled in " + bounds_text(want->value, share_text);
  if (a.started == 0) {
    add(out, label, false, s, want->pos, "no session started, so there is no share to measure");
    return;
  }
  const std::int64_t scaled = a.reconciled * 1'000'000;  // compared with ppm x started
  const bool held = (!want->value.min || *want->value.min * a.started <= scaled) &&
                    (!want->value.max || scaled <= *want->value.max * a.started);
  add(out, label, held, s, want->pos,
      "reconciled " + std::to_string(a.reconciled) + " of " + std::to_string(a.started) + " started (" +
          share_text(scaled / a.started) + ")");
}

void check_delays(std::vector<check_outcome>& out, const scenario& s, const run_outcome_report& r) {
  const delays_expectation& d = s.expect.delays;
  const delay_percentiles& got = r.totals.reconcile;
  const std::pair<const char*, std::pair<const std::optional<located<bounds<sim::time_us>>>*, sim::time_us>> keys[] = {
      {"reconcile_p50", {&d.reconcile_p50, got.p50_us}}, {"reconcile_p95", {&d.reconcile_p95, got.p95_us}},
      {"reconcile_p99", {&d.reconcile_p99, got.p99_us}}, {"reconcile_max", {&d.reconcile_max, got.max_us}}};
  for (const auto& [key, what] : keys) {
    const auto& want = *what.first;
    if (!want) continue;
    const std::string label = std::string("delays.") + key + " in " + bounds_text(want->value, duration_text);
    if (got.count == 0) {
      add(out, label, false, s, want->pos, "no session ended on its pile was reconciled, so there is no delay");
      continue;
    }
    add(out, label, want->value.contains(what.second), s, want->pos,
        "measured " + duration_text(what.second) + " over " + std::to_string(got.count) + " reconciled session(s)");
  }
}

}  // namespace

std::vector<check_outcome> check_expectations(const scenario& s, const run_outcome_report& r) {
  std::vector<check_outcome> out;
  check_sessions(out, s, r);
  check_reservations(out, s, r);
  check_balances(out, s, r);
  check_refused(out, s, r);
  check_totals(out, s, r);
  check_shares(out, s, r);
  check_delays(out, s, r);
  return out;
}

}  // namespace pilesim::scenarios
