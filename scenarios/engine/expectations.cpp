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

}  // namespace

std::vector<check_outcome> check_expectations(const scenario& s, const run_outcome_report& r) {
  std::vector<check_outcome> out;
  check_sessions(out, s, r);
  check_reservations(out, s, r);
  check_balances(out, s, r);
  check_refused(out, s, r);
  return out;
}

}  // namespace pilesim::scenarios
