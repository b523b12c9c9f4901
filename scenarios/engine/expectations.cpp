#include "scenarios/engine/expectations.hpp"

#include <algorithm>
#include <map>
#include <string>

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

void add(std::vector<check_outcome>& out, std::string what, bool held, std::string detail) {
  out.push_back({std::move(what), held, held ? std::string() : std::move(detail)});
}

}  // namespace

const std::vector<std::string>& refusal_kinds() {
  static const std::vector<std::string> kinds = {
      // by the pile, of what the phone relayed
      "start_authorization", "stop", "receipt",
      // by the server
      "start", "reservation", "bill", "started", "unauthorized", "forbidden", "idempotency_mismatch",
      "bill_forged", "bill_mismatch", "bill_repriced", "bill_over_cap", "bill_conflict", "started_forged",
      "auth_mismatch"};
  return kinds;
}

std::vector<check_outcome> check_expectations(const scenario& s, const run_outcome_report& r) {
  std::vector<check_outcome> out;
  const expectations& e = s.expect;

  std::map<std::string, std::size_t> seen;  // per user: how many expectations matched so far
  for (const session_expectation& x : e.sessions) {
    const std::size_t nth = seen[x.user]++;
    const std::string label = "sessions[" + x.user + "#" + std::to_string(nth) + "]";
    const session_outcome* got = nullptr;
    std::size_t k = 0;
    for (const session_outcome& o : r.sessions) {
      if (o.user != x.user) continue;
      if (k++ == nth) {
        got = &o;
        break;
      }
    }
    if (!got) {
      add(out, label + " exists", false,
          where(s, x.pos) + ": user " + x.user + " started " + std::to_string(k) + " session(s)");
      continue;
    }
    if (x.state) {
      const std::string want(to_string(x.state->value));
      add(out, label + ".state == " + want, got->state == want,
          where(s, x.state->pos) + ": state is " + got->state +
              (got->refused_why.empty() ? "" : " (" + got->refused_why + ")"));
    }
    if (x.reason) {
      const std::string want(to_string(x.reason->value));
      add(out, label + ".stop_reason == " + want, got->stop_reason == want,
          where(s, x.reason->pos) + ": stop_reason is " + (got->stop_reason.empty() ? "none" : got->stop_reason));
    }
    if (x.energy_wh) {
      add(out, label + ".energy_kwh in " + bounds_text(x.energy_wh->value, wh_as_kwh),
          x.energy_wh->value.contains(got->energy_wh),
          where(s, x.energy_wh->pos) + ": energy is " + wh_as_kwh(got->energy_wh) + " kWh");
    }
    if (x.charged) {
      add(out, label + ".charged in " + bounds_text(x.charged->value, format_money),
          x.charged->value.contains(got->charged),
          where(s, x.charged->pos) + ": charged " + format_money(got->charged));
    }
    if (x.reconciled_by_us) {
      const bool held = got->reconciled_at_us && *got->reconciled_at_us <= x.reconciled_by_us->value;
      add(out, label + ".reconciled_by " + std::to_string(x.reconciled_by_us->value / sim::sec) + "s", held,
          where(s, x.reconciled_by_us->pos) + ": " +
              (got->reconciled_at_us ? "reconciled at " + std::to_string(*got->reconciled_at_us / sim::sec) + "s"
                                     : std::string("never reconciled")));
    }
  }

  seen.clear();
  for (const reservation_expectation& x : e.reservations) {
    const std::size_t nth = seen[x.user]++;
    const std::string label = "reservations[" + x.user + "#" + std::to_string(nth) + "]";
    const reservation_outcome* got = nullptr;
    std::size_t k = 0;
    for (const reservation_outcome& o : r.reservations) {
      if (o.user != x.user) continue;
      if (k++ == nth) {
        got = &o;
        break;
      }
    }
    if (!got) {
      add(out, label + " exists", false, where(s, x.pos) + ": user " + x.user + " made " + std::to_string(k) +
                                             " reservation(s)");
      continue;
    }
    if (x.state) {
      const std::string want(to_string(x.state->value));
      add(out, label + ".state == " + want, got->state == want, where(s, x.state->pos) + ": state is " + got->state);
    }
  }

  for (const balance_expectation& x : e.balances) {
    auto it = r.balances.find(x.user);
    const money got = it == r.balances.end() ? money{} : it->second;
    add(out, "balances." + x.user + " in " + bounds_text(x.balance, format_money), x.balance.contains(got),
        where(s, x.pos) + ": balance is " + format_money(got));
  }

  const auto& kinds = refusal_kinds();
  for (const refused_expectation& x : e.refused) {
    const std::string label = "refused." + x.kind + " in " +
                              bounds_text(x.count, [](std::int64_t v) { return std::to_string(v); });
    if (std::find(kinds.begin(), kinds.end(), x.kind) == kinds.end()) {
      std::string known;
      for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k;
      add(out, label, false, where(s, x.pos) + ": unknown refusal kind '" + x.kind + "' (known: " + known + ")");
      continue;
    }
    auto it = r.refused.find(x.kind);
    const std::int64_t got = it == r.refused.end() ? 0 : it->second;
    add(out, label, x.count.contains(got), where(s, x.pos) + ": counted " + std::to_string(got));
  }
  return out;
}

}  // namespace pilesim::scenarios
