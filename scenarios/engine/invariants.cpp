#include "scenarios/engine/invariants.hpp"

#include <algorithm>

namespace pilesim::scenarios {
namespace {

constexpr std::size_t details_max = 5;  // a verdict quotes the first few offenders, not thousands

struct verdict {
  std::string name;
  std::vector<std::string> problems;
  void fail(std::string p) { problems.push_back(std::move(p)); }
  check_outcome done() const {
    check_outcome c{name, problems.empty(), ""};
    for (std::size_t i = 0; i < problems.size() && i < details_max; ++i) c.detail += (i ? "; " : "") + problems[i];
    if (problems.size() > details_max) c.detail += "; and " + std::to_string(problems.size() - details_max) + " more";
    return c;
  }
};

std::string sid(std::uint64_t id) { return "session " + std::to_string(id); }

}  // namespace

std::vector<check_outcome> check_invariants(const invariant_inputs& in) {
  std::vector<check_outcome> out;

  verdict money_conserved{"money_conserved", {}};
  if (in.balances + in.held + in.revenue != in.deposits)
    money_conserved.fail("balances " + format_money(in.balances) + " + holds " + format_money(in.held) +
                         " + revenue " + format_money(in.revenue) + " != deposits " + format_money(in.deposits));
  for (const auto& a : in.ledger_audit) money_conserved.fail(a);
  out.push_back(money_conserved.done());

  verdict no_overcharge{"no_overcharge", {}};
  for (const auto& s : in.sessions)
    if (s.charged > s.frozen)
      no_overcharge.fail(sid(s.id) + " charged " + format_money(s.charged) + " > frozen " + format_money(s.frozen));
  for (const auto& m : in.metered)
    if (m.cap_wh >= 0 && m.energy_wh > m.cap_wh)
      no_overcharge.fail(sid(m.session_id) + " on " + m.pile + " delivered " + std::to_string(m.energy_wh) +
                         " Wh past its cap of " + std::to_string(m.cap_wh) + " Wh");
  out.push_back(no_overcharge.done());

  verdict energy_matches{"energy_billed_equals_metered", {}};
  for (const auto& s : in.sessions) {
    if (s.state != "reconciled") continue;
    auto it = std::find_if(in.metered.begin(), in.metered.end(),
                           [&](const metered_session& m) { return m.session_id == s.id && m.pile == s.pile; });
    if (it == in.metered.end()) energy_matches.fail(sid(s.id) + " reconciled but never metered by " + s.pile);
    else if (it->energy_wh != s.energy_wh)
      energy_matches.fail(sid(s.id) + " billed " + std::to_string(s.energy_wh) + " Wh, metered " +
                          std::to_string(it->energy_wh) + " Wh");
  }
  out.push_back(energy_matches.done());

  verdict settled_once{"settled_at_most_once", {}};
  for (const auto& s : in.sessions)
    if (s.settle_count > 1) settled_once.fail(sid(s.id) + " settled " + std::to_string(s.settle_count) + " times");
  for (const auto& m : in.metered)
    if (m.times_started > 1)
      settled_once.fail(sid(m.session_id) + " started " + std::to_string(m.times_started) + " times on " + m.pile);
  out.push_back(settled_once.done());

  verdict no_overlap{"reservations_never_overlap", {}};
  std::vector<const server_reservation*> live;
  for (const auto& r : in.reservations)
    if (r.state != "cancelled") live.push_back(&r);
  for (std::size_t i = 0; i < live.size(); ++i)
    for (std::size_t j = i + 1; j < live.size(); ++j) {
      const auto& a = *live[i];
      const auto& b = *live[j];
      if (a.pile == b.pile && a.start_us < b.end_us && b.start_us < a.end_us)
        no_overlap.fail("reservations " + std::to_string(a.id) + " and " + std::to_string(b.id) + " overlap on " +
                        a.pile);
    }
  out.push_back(no_overlap.done());
  return out;
}

}  // namespace pilesim::scenarios
