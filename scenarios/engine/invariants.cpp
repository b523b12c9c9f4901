#include "scenarios/engine/invariants.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

namespace pilesim::scenarios {
namespace {

constexpr std::size_t details_max = 5;  // a verdict quotes the first few offenders, not thousands

struct verdict {
  std::string name;
  std::vector<std::string> problems;
  void fail(std::string p) { problems.push_back(std::move(p)); }
  check_outcome done() const {
    check_outcome c{name, problems.empty(), "", "", 0, 0};
    for (std::size_t i = 0; i < problems.size() && i < details_max; ++i) c.detail += (i ? "; " : "") + problems[i];
    if (problems.size() > details_max) c.detail += "; and " + std::to_string(problems.size() - details_max) + " more";
    return c;
  }
};

std::string sid(std::uint64_t id) { return "session " + std::to_string(id); }

std::string secs(std::int64_t us) {
  const std::int64_t tenths = us / 100'000;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
}

// What the piles metered, by session id: a run may hold thousands of sessions, and every check that pairs a
// server session with its metering would otherwise scan them all for each one.
class metered_index {
 public:
  explicit metered_index(const std::vector<metered_session>& metered) {
    for (const metered_session& m : metered) by_id_.emplace(m.session_id, &m);
  }
  // The metering of `s` by the pile the server issued it for, or null.
  const metered_session* find(const server_session& s) const {
    auto [first, last] = by_id_.equal_range(s.id);
    for (auto it = first; it != last; ++it)
      if (it->second->pile == s.pile) return it->second;
    return nullptr;
  }

 private:
  std::unordered_multimap<std::uint64_t, const metered_session*> by_id_;  // looked up, never iterated
};

// The stretches phones spent in range, by pile, to answer "did some phone stay in range of this pile for
// `bound` within [from, until)?" in logarithmic time: a run holds a stretch per visit and a question per
// unsettled session, and asking each question of every stretch would cost their product. A stretch that
// overlaps a bill cheat of its user is kept apart (liveness_inputs says why) and asked in turn: there are as
// many as the attackers' visits to the pile.
class presence_index {
 public:
  explicit presence_index(const liveness_inputs& l) : bound_(l.bound_us) {
    std::unordered_map<std::string, std::vector<const bill_cheat*>> cheats;  // by user
    for (const bill_cheat& c : l.bill_cheats) cheats[c.user].push_back(&c);
    for (const presence& p : l.presences) {
      const stretch st{p.from_us, std::min(p.to_us, l.until_us)};
      std::optional<std::int64_t> honest_after;  // the end of the last cheat of its user it overlaps
      if (auto it = cheats.find(p.user); it != cheats.end())
        for (const bill_cheat* c : it->second)
          if (c->from_us < p.to_us && p.from_us < c->to_us)
            honest_after = std::max(honest_after.value_or(c->to_us), c->to_us);
      if (honest_after) by_pile_[p.pile].cheated.push_back({st, *honest_after});
      else by_pile_[p.pile].stretches.push_back(st);
    }
    for (auto& [pile, s] : by_pile_) {
      auto& v = s.stretches;
      std::sort(v.begin(), v.end(), [](const stretch& a, const stretch& b) { return a.from < b.from; });
      s.latest_end.resize(v.size());
      s.long_from.resize(v.size() + 1, false);
      for (std::size_t i = 0; i < v.size(); ++i) s.latest_end[i] = std::max(i ? s.latest_end[i - 1] : v[i].to, v[i].to);
      for (std::size_t i = v.size(); i-- > 0;) s.long_from[i] = s.long_from[i + 1] || v[i].to - v[i].from >= bound_;
    }
  }

  // A stretch that began before `from` counts from `from` on, so it is long enough when it ends late enough;
  // one that began at or after `from` counts whole. A stretch overlapping a bill cheat counts only for a session
  // that ended (at `ended`) once its phone was honest again.
  bool came_back(const std::string& pile, std::int64_t from, std::int64_t ended) const {
    auto it = by_pile_.find(pile);
    if (it == by_pile_.end()) return false;
    const auto& s = it->second;
    for (const cheated_stretch& c : s.cheated)
      if (ended >= c.honest_after && c.st.to - std::max(c.st.from, from) >= bound_) return true;
    const auto first_after = static_cast<std::size_t>(
        std::lower_bound(s.stretches.begin(), s.stretches.end(), from,
                         [](const stretch& a, std::int64_t t) { return a.from < t; }) -
        s.stretches.begin());
    if (first_after > 0 && s.latest_end[first_after - 1] - from >= bound_) return true;
    return s.long_from[first_after];
  }

 private:
  struct stretch {
    std::int64_t from = 0;
    std::int64_t to = 0;  // clipped to until
  };
  struct cheated_stretch {
    stretch st;
    std::int64_t honest_after = 0;  // the end of the last bill cheat of its user that it overlaps
  };
  struct pile_stretches {
    std::vector<cheated_stretch> cheated;  // in input order
    std::vector<stretch> stretches;    // by start
    std::vector<std::int64_t> latest_end;  // the latest end among stretches [0, i]
    std::vector<bool> long_from;       // some stretch in [i, n) lasts bound or more
  };
  std::int64_t bound_;
  std::unordered_map<std::string, pile_stretches> by_pile_;  // looked up, never iterated in an order that shows
};

check_outcome check_money_conserved(const invariant_inputs& in) {
  verdict v{"money_conserved", {}};
  if (in.balances + in.held + in.revenue != in.deposits)
    v.fail("balances " + format_money(in.balances) + " + holds " + format_money(in.held) + " + revenue " +
           format_money(in.revenue) + " != deposits " + format_money(in.deposits));
  for (const auto& a : in.ledger_audit) v.fail(a);
  return v.done();
}

check_outcome check_no_overcharge(const invariant_inputs& in) {
  verdict v{"no_overcharge", {}};
  for (const auto& s : in.sessions)
    if (s.charged > s.frozen)
      v.fail(sid(s.id) + " charged " + format_money(s.charged) + " > frozen " + format_money(s.frozen));
  for (const auto& m : in.metered)
    if (m.cap_wh >= 0 && m.energy_wh > m.cap_wh)
      v.fail(sid(m.session_id) + " on " + m.pile + " delivered " + std::to_string(m.energy_wh) +
             " Wh past its cap of " + std::to_string(m.cap_wh) + " Wh");
  return v.done();
}

check_outcome check_energy_matches(const invariant_inputs& in) {
  verdict v{"energy_billed_equals_metered", {}};
  const metered_index metered(in.metered);
  for (const auto& s : in.sessions) {
    if (s.state != "reconciled") continue;
    const metered_session* it = metered.find(s);
    if (it == nullptr) v.fail(sid(s.id) + " reconciled but never metered by " + s.pile);
    else if (it->energy_wh != s.energy_wh)
      v.fail(sid(s.id) + " billed " + std::to_string(s.energy_wh) + " Wh, metered " + std::to_string(it->energy_wh) +
             " Wh");
  }
  return v.done();
}

check_outcome check_settled_once(const invariant_inputs& in) {
  verdict v{"settled_at_most_once", {}};
  for (const auto& s : in.sessions)
    if (s.settle_count > 1) v.fail(sid(s.id) + " settled " + std::to_string(s.settle_count) + " times");
  for (const auto& m : in.metered)
    if (m.times_started > 1)
      v.fail(sid(m.session_id) + " started " + std::to_string(m.times_started) + " times on " + m.pile);
  return v.done();
}

check_outcome check_no_overlap(const invariant_inputs& in) {
  verdict v{"reservations_never_overlap", {}};
  // Sorted by pile and start, a window can only overlap the ones after it that start before it ends: every
  // overlapping pair is found without comparing all pairs (a long run holds thousands of reservations).
  std::vector<const server_reservation*> live;
  for (const auto& r : in.reservations)
    if (r.state != "cancelled") live.push_back(&r);
  std::sort(live.begin(), live.end(), [](const server_reservation* a, const server_reservation* b) {
    if (a->pile != b->pile) return a->pile < b->pile;
    if (a->start_us != b->start_us) return a->start_us < b->start_us;
    return a->id < b->id;
  });
  for (std::size_t i = 0; i < live.size(); ++i)
    for (std::size_t j = i + 1; j < live.size() && live[j]->pile == live[i]->pile; ++j) {
      const auto& a = *live[i];
      const auto& b = *live[j];
      if (b.start_us >= a.end_us) break;  // b and every later window start after a ends
      if (a.start_us < b.end_us)
        v.fail("reservations " + std::to_string(std::min(a.id, b.id)) + " and " + std::to_string(std::max(a.id, b.id)) +
               " overlap on " + a.pile);
    }
  return v.done();
}

// How one unsettled session stands for liveness: settled after all or not yet owed (fine), owed but not
// checkable (the text says why), or owed and overdue (a failure).
struct liveness_case {
  enum class kind : std::uint8_t { fine, unchecked, overdue } what = kind::fine;
  std::string text;
};

liveness_case unchecked(std::string why) { return {liveness_case::kind::unchecked, std::move(why)}; }
liveness_case overdue(std::string what) { return {liveness_case::kind::overdue, std::move(what)}; }

liveness_case judge_unsettled(const liveness_inputs& l, const presence_index& near, const server_session& s,
                              const metered_session* m) {
  // Expired with nothing delivered is settled: the hold must be gone. Expired but metered means a bill
  // (of energy really delivered) is still owed, like any started session.
  if (s.state == "expired" && (m == nullptr || m->energy_wh == 0)) {
    if (s.held != money{}) return overdue(sid(s.id) + " expired but still holds " + format_money(s.held));
    return {};
  }
  if (m != nullptr && !m->ended) return {};  // still charging at `until`: nothing is owed yet
  if (!l.heal_us) return unchecked(sid(s.id) + " (" + l.never_heals_because + ")");
  if (m == nullptr) {
    // The pile never acted on it: the server alone must release the hold, once up past its release time.
    const std::int64_t due_at = std::max(*l.heal_us, s.hold_release_at_us) + l.bound_us;
    if (due_at > l.until_us) return unchecked(sid(s.id) + " (hold release not due before until)");
    return overdue(sid(s.id) + " on " + s.pile + " still " + s.state + ", holding " + format_money(s.held) +
                   ", hold release was due at " + secs(s.hold_release_at_us));
  }
  const std::int64_t from = std::max(*l.heal_us, m->ended_at_us);
  if (!near.came_back(s.pile, from, m->ended_at_us))
    return unchecked(sid(s.id) + " (no phone came back to " + s.pile + " for " + secs(l.bound_us) + " after " +
                     secs(from) + ")");
  return overdue(sid(s.id) + " on " + s.pile + " ended at " + secs(m->ended_at_us) + " but is still " + s.state +
                 " at until " + secs(l.until_us) + " though a phone was in range after heal");
}

// The detail of a liveness verdict that held: when the world healed, the last reconciliation, what could not
// be checked.
std::string liveness_detail(const liveness_inputs& l, std::optional<std::int64_t> last_reconciled,
                            const std::vector<std::string>& unchecked) {
  std::string d;
  if (!l.heal_us) d = "never healed: " + l.never_heals_because;
  else d = "heal at " + secs(*l.heal_us);
  if (last_reconciled && l.heal_us) {
    if (*last_reconciled > *l.heal_us)
      d += "; last reconciliation at " + secs(*last_reconciled) + " (" + secs(*last_reconciled - *l.heal_us) +
           " after heal)";
    else
      d += "; every reconciliation before heal (last at " + secs(*last_reconciled) + ")";
  }
  if (!unchecked.empty()) {
    d += "; not checkable: ";
    for (std::size_t i = 0; i < unchecked.size() && i < details_max; ++i) d += (i ? ", " : "") + unchecked[i];
    if (unchecked.size() > details_max) d += " and " + std::to_string(unchecked.size() - details_max) + " more";
  }
  return d;
}

}  // namespace

std::vector<check_outcome> check_invariants(const invariant_inputs& in) {
  std::vector<check_outcome> out;
  out.push_back(check_money_conserved(in));
  out.push_back(check_no_overcharge(in));
  out.push_back(check_energy_matches(in));
  out.push_back(check_settled_once(in));
  out.push_back(check_liveness(in));
  out.push_back(check_no_overlap(in));
  out.push_back(check_refusals_leave_no_trace(in));
  out.push_back(check_no_negative_balance(in));
  return out;
}

// Invariant 8: whatever a phone withholds, the frozen amount bounds what its user can owe, so no wallet's
// available balance is below zero at any moment, not only at the end.
check_outcome check_no_negative_balance(const invariant_inputs& in) {
  verdict v{"no_negative_balance", {}};
  for (const balance_floor& f : in.balance_floors)
    if (f.lowest.minor < 0) v.fail("user " + f.user + "'s balance went down to " + format_money(f.lowest));
  return v.done();
}

check_outcome check_liveness(const invariant_inputs& in) {
  verdict v{"liveness_after_heal", {}};
  const liveness_inputs& l = in.liveness;
  const metered_index metered(in.metered);
  std::vector<std::string> unchecked;
  std::optional<std::int64_t> last_reconciled;
  const presence_index near(l);
  for (const server_session& s : in.sessions) {
    if (s.state == "reconciled") {
      if (s.reconciled_at_us && (!last_reconciled || *s.reconciled_at_us > *last_reconciled))
        last_reconciled = s.reconciled_at_us;
      continue;
    }
    liveness_case c = judge_unsettled(l, near, s, metered.find(s));
    if (c.what == liveness_case::kind::overdue) v.fail(std::move(c.text));
    if (c.what == liveness_case::kind::unchecked) unchecked.push_back(std::move(c.text));
  }
  check_outcome c = v.done();
  if (!c.held) {
    c.detail = "unsettled at until: " + c.detail;
    return c;
  }
  c.detail = liveness_detail(l, last_reconciled, unchecked);
  return c;
}

check_outcome check_refusals_leave_no_trace(const invariant_inputs& in) {
  const metered_index metered(in.metered);
  verdict v{"forged_refused_no_trace", {}};
  std::map<std::uint64_t, const server_session*> by_id;
  for (const auto& s : in.sessions) by_id[s.id] = &s;
  for (const metered_session& m : in.metered) {
    auto it = by_id.find(m.session_id);
    // The pile acts only on authorizations the server signed, for this pile, before they expired.
    if (it == by_id.end() || it->second->pile != m.pile) {
      v.fail(m.pile + " started " + sid(m.session_id) + " that the server never authorized for it");
      continue;
    }
    if (m.started_at_us > it->second->expires_at_us)
      v.fail(m.pile + " started " + sid(m.session_id) + " at " + secs(m.started_at_us) +
             " after its authorization expired at " + secs(it->second->expires_at_us));
  }
  for (const server_session& s : in.sessions) {
    if (s.state == "reconciled") {
      // Money moved: it must be for a bill of energy the pile really metered.
      if (metered.find(s) == nullptr) v.fail(sid(s.id) + " settled without the pile ever starting it");
      continue;
    }
    // No genuine bill came: refused bills and refused starts must have moved nothing.
    if (s.charged != money{}) v.fail(sid(s.id) + " is " + s.state + " but charged " + format_money(s.charged));
    if (s.settle_count != 0) v.fail(sid(s.id) + " is " + s.state + " but was settled");
    if (s.state == "expired" && s.held != money{})
      v.fail(sid(s.id) + " expired but still holds " + format_money(s.held));
  }
  check_outcome c = v.done();
  if (c.held) {
    std::int64_t total = 0;
    std::string kinds;
    for (const refusal_tally& r : in.refusals) {
      if (r.count == 0) continue;
      total += r.count;
      kinds += (kinds.empty() ? "" : ", ") + r.kind + " " + std::to_string(r.count);
    }
    c.detail = std::to_string(total) + " refusal(s)" + (kinds.empty() ? "" : " (" + kinds + ")") +
               "; every pile start was a server authorization accepted before expiry, every settlement a metered "
               "session, and no unsettled session was charged";
  }
  return c;
}

check_outcome check_faults_applied(const std::vector<fault_applied_input>& faults) {
  verdict v{"faults_applied", {}};
  for (const fault_applied_input& f : faults)
    if (!f.applied)
      v.fail("faults[" + std::to_string(f.index) + "] " + f.kind + (f.target.empty() ? "" : " " + f.target) +
             " at " + secs(f.at_us) + " touched no traffic or state");
  check_outcome c = v.done();
  if (c.held) c.detail = std::to_string(faults.size()) + " fault(s), each applied";
  return c;
}

}  // namespace pilesim::scenarios
