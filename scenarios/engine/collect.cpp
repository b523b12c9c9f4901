#include "scenarios/engine/collect.hpp"

#include "scenarios/engine/aggregates.hpp"
#include "scenarios/engine/expectations.hpp"
#include "scenarios/engine/refusal_kinds.hpp"
#include "server/ledger.hpp"
#include "server/read_model.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace pilesim::scenarios {
namespace {

std::string session_state_word(const std::string& server_state) {
  if (server_state == "reconciled" || server_state == "expired") return server_state;
  return "open";  // authorized or started: not yet settled
}

// One start: who made it and why it was refused, as its phone saw it; the session, its state and its money as
// the server's database holds them. A start the server made no session for froze nothing.
session_outcome session_outcome_of(const std::string& user, const agent::start_attempt& a,
                                   const server::session_summary* s) {
  session_outcome o;
  o.user = user;
  o.pile = a.pile;
  o.refused_why = a.refused;
  if (s == nullptr) {
    o.state = "refused";
    return o;
  }
  o.session_id = s->id;
  o.state = session_state_word(s->state);
  o.stop_reason = s->stop_reason;
  o.energy_wh = s->energy_wh;
  o.frozen = s->frozen;
  o.charged = s->charged;
  o.refunded = s->refunded;
  o.reconciled_at_us = s->reconciled_at_us;
  o.pile_clock_offset_us = s->pile_clock_offset_us;
  return o;
}

// The session a start made: the id its answer named, or, when no answer reached the phone, the one the server
// stored against the request's idempotency key.
std::uint64_t session_of(const run_sources& src, const std::string& user, const agent::start_attempt& a) {
  if (a.session != 0) return a.session;
  return server::session_made_by(src.db, user, a.idempotency_key).value_or(0);
}

// Every start of every user, users in file order, each user's starts in the order made.
void add_sessions(run_outcome_report& r, const run_sources& src, const std::vector<server::session_summary>& all) {
  std::map<std::uint64_t, const server::session_summary*> by_id;
  for (const auto& s : all) by_id[s.id] = &s;
  for (const user_config& uc : src.s.users)
    for (const agent::start_attempt& a : src.parts.users.at(uc.id).agent->starts()) {
      auto it = by_id.find(session_of(src, uc.id, a));
      r.sessions.push_back(session_outcome_of(uc.id, a, it == by_id.end() ? nullptr : it->second));
    }
}

void add_reservations(run_outcome_report& r, const run_sources& src,
                      const std::vector<server::reservation_summary>& all) {
  std::map<std::uint64_t, const server::reservation_summary*> by_id;
  for (const auto& x : all) by_id[x.id] = &x;
  for (const user_config& uc : src.s.users)
    for (const agent::reservation_attempt& a : src.parts.users.at(uc.id).agent->reservations()) {
      reservation_outcome o{uc.id, a.pile, "refused"};
      auto it = by_id.find(a.id);
      if (a.id != 0 && it != by_id.end()) o.state = it->second->state;
      r.reservations.push_back(std::move(o));
    }
}

// Refusals by kind: the server's own tallies, the piles' counters, and the starts and reservations refused.
void add_refusals(run_outcome_report& r, const run_sources& src) {
  for (const auto& x : server::list_refusals(src.db)) {
    // A kind missing from the table could be counted but never expected: the table must know it first.
    if (!is_refusal_kind(x.kind))
      throw std::logic_error("bug: the server counts refusal kind '" + x.kind + "', which refusal_kinds.hpp lacks");
    r.refused[x.kind] += x.count;
  }
  std::int64_t start_refusals = 0, bill_refusals = 0;
  for (const auto& [kind, n] : r.refused)
    if (kind.rfind("bill_", 0) == 0) bill_refusals += n;
  for (const auto& [id, p] : src.parts.piles) {
    const auto& c = p.actor->fw().counters();
    start_refusals += static_cast<std::int64_t>(c.starts_refused);
    r.refused["stop"] += static_cast<std::int64_t>(c.stops_refused);
    r.refused["receipt"] += static_cast<std::int64_t>(c.receipts_refused);
  }
  r.refused["start_authorization"] = start_refusals;
  r.refused["bill"] = bill_refusals;
  std::int64_t starts_refused_by_server = 0, reservations_refused = 0;
  for (const auto& so : r.sessions)
    if (so.state == "refused") ++starts_refused_by_server;
  for (const auto& ro : r.reservations)
    if (ro.state == "refused") ++reservations_refused;
  r.refused["start"] = starts_refused_by_server;
  r.refused["reservation"] = reservations_refused;
}

// Liveness may be judged from the last step and the last fault's end on; a fault that never ends forbids it.
liveness_inputs liveness_of(const run_sources& src) {
  liveness_inputs l;
  l.until_us = src.s.until_us;
  l.presences = src.presences;
  sim::time_us heal = src.last_step_us;
  for (const played_fault& f : src.faults) {
    // An attack's target is "user:kind" (fault_attack.cpp); kinds hold no ':', user ids may.
    const auto colon = f.target.rfind(':');
    if (f.kind == "attack" && colon != std::string::npos) {
      const std::string kind = f.target.substr(colon + 1);
      if (kind == "withhold_bill" || kind == "alter_bill")
        l.bill_cheats.push_back({f.target.substr(0, colon), f.at_us, f.end_us});
    }
    if (f.end_us == sim::time_max) {
      l.never_heals_because = "faults[" + std::to_string(f.index) + "] " + f.kind + " " + f.target + " never ends";
      return l;
    }
    heal = std::max(heal, f.end_us);
  }
  l.heal_us = heal;
  return l;
}

invariant_inputs invariant_inputs_of(const run_sources& src, const run_outcome_report& r,
                                     const std::vector<server::session_summary>& sessions,
                                     const std::vector<server::reservation_summary>& reservations) {
  invariant_inputs in;
  const auto totals = server::read_totals(src.db);
  in.deposits = totals.deposits;
  in.balances = totals.balances;
  in.held = totals.held;
  in.revenue = totals.revenue;
  server::ledger books(src.db);
  in.ledger_audit = books.audit();
  for (const auto& s : sessions)
    in.sessions.push_back({s.id, s.pile, s.state, s.energy_wh, s.frozen, s.charged, s.settle_count, s.held,
                           s.reconciled_at_us, s.expires_at_us, s.hold_release_at_us});
  for (const auto& [id, p] : src.parts.piles)
    for (const auto& m : p.actor->metered())
      in.metered.push_back(
          {id, m.session_id, m.energy_wh, m.cap_wh, m.starts, m.ended, m.started_at_us, m.ended_at_us});
  for (const auto& x : reservations) in.reservations.push_back({x.id, x.pile, x.start_us, x.end_us, x.state});
  in.liveness = liveness_of(src);
  for (const auto& [kind, n] : r.refused) in.refusals.push_back({kind, n});
  for (const auto& f : server::list_balance_floors(src.db)) in.balance_floors.push_back({f.user, f.balance});
  return in;
}

void add_verdicts(run_outcome_report& r, const run_sources& src, const invariant_inputs& in) {
  r.invariants = check_invariants(in);
  if (!src.faults.empty()) {
    std::vector<fault_applied_input> fa;
    for (const played_fault& f : src.faults) fa.push_back({f.index, f.kind, f.target, f.at_us, f.applied});
    r.invariants.push_back(check_faults_applied(fa));
  }
  if (!src.out.failure.empty()) r.invariants.push_back({"no_actor_failed", false, src.out.failure, "", 0, 0});
  r.expectations = check_expectations(src.s, r);
  r.passed = src.out.failure.empty();
  for (const auto& c : r.invariants) r.passed = r.passed && c.held;
  for (const auto& c : r.expectations) r.passed = r.passed && c.held;
}

}  // namespace

run_outcome_report collect(const run_sources& src) {
  run_outcome_report r;
  r.scenario = src.s.name;
  r.file = src.s.file;
  r.seed = src.seed;
  r.expect_fail = src.s.expect.result.value == run_result::fail;
  r.events = src.out.events;
  r.sim_us = src.out.end_us;
  r.kernel_failure = src.out.failure;
  for (const played_fault& f : src.faults) r.faults.push_back({f.at_us, f.kind, f.target, f.applied});

  const auto sessions = server::list_sessions(src.db);
  const auto reservations = server::list_reservations(src.db);
  add_sessions(r, src, sessions);
  add_reservations(r, src, reservations);
  for (const auto& b : server::list_balances(src.db)) r.balances[b.user] = b.balance;
  add_refusals(r, src);
  const invariant_inputs in = invariant_inputs_of(src, r, sessions, reservations);
  const auto holds = server::list_hold_changes(src.db);
  r.totals = aggregate({sessions, reservations, in.metered, r.sessions, r.reservations, holds, src.s.until_us,
                        src.gave_up});
  add_verdicts(r, src, in);
  r.trace_hash = src.trace.hash_hex();
  r.trace_events = src.trace.count();
  return r;
}

}  // namespace pilesim::scenarios
