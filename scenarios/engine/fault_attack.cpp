// An attack fault makes one user's app cheat for its window (agent/attack.hpp). It applied when the app's cheat
// acted at least once in the window: an attack that never had a chance (no start, no bill, no stop to tamper
// with) did nothing, and says so.
#include "scenarios/engine/fault_planners.hpp"

namespace pilesim::scenarios {

void plan_fault(fault_record& r, const attack_fault& a, fault_context& cx) {
  r.kind = "attack";
  r.target = a.user + ":" + a.kind;
  const agent::attack_plan plan{*agent::attack_kind_from(a.kind), a.pile};  // the loader checked the kind
  r.observe_end = [&cx, user = a.user](fault_record& rec) {
    rec.seen.traffic_after = cx.parts.users.at(user).agent->attack_acts();
  };
  cx.k.at(r.at_us, [&r, &cx, a, plan] {
    cx.k.trace().event(cx.k.now(), "fault", "begin", {{"fault", "attack"}, {"user", a.user}, {"attack", a.kind}});
    agent::agent& phone = *cx.parts.users.at(a.user).agent;
    r.seen.traffic_before = phone.attack_acts();
    phone.set_attack(plan);
  });
  if (r.window_end_us == sim::time_max) return;
  cx.k.at(r.window_end_us, [&r, &cx, a] {
    cx.k.trace().event(cx.k.now(), "fault", "end", {{"fault", "attack"}, {"user", a.user}});
    r.observe_end(r);
    cx.parts.users.at(a.user).agent->set_attack(std::nullopt);
  });
}

}  // namespace pilesim::scenarios
